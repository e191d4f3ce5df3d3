package dev.steer4j.format.pytorch;

import java.util.Arrays;

/** A dense float32 tensor in row-major (C) order, as read from a checkpoint. */
public record FloatTensor(String name, int[] shape, float[] data) {
    public FloatTensor {
        long n = 1;
        for (int s : shape) {
            if (s < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            n *= s;
        }
        if (n != data.length) throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n + " values, got " + data.length);
    }

    public int numel() { return data.length; }

    /** True when the shape equals {@code expected}. */
    public boolean hasShape(int... expected) { return Arrays.equals(shape, expected); }

    public String shapeString() { return Arrays.toString(shape); }
}
