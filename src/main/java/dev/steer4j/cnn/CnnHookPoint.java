package dev.steer4j.cnn;

import java.util.Arrays;

/**
 * A named activation of a CNN, by module path ({@code embedder.block2.res1.hook_resadd_out}), with the shape of the
 * tensor the hook sees: (channels, height, width) for feature maps, (features) for vectors. {@code index} is the
 * point's position in the network's list, which is also its key in a {@link dev.steer4j.steer.SteeringVector}.
 */
public record CnnHookPoint(String name, int index, int[] shape) {
    public int size() {
        int n = 1;
        for (int s : shape) n *= s;
        return n;
    }

    public String shapeString() { return Arrays.toString(shape); }

    @Override
    public boolean equals(Object o) { return o instanceof CnnHookPoint p && p.name.equals(name); }

    @Override
    public int hashCode() { return name.hashCode(); }

    @Override
    public String toString() { return name; }
}
