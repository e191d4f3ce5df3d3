package dev.steer4j.format.safetensors;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * One tensor of a safetensors file. {@code shape} is row-major as PyTorch writes it (the last dimension varies
 * fastest), so a linear layer's weight of shape {@code [out, in]} stores {@code out} rows of {@code in} elements.
 *
 * @param data the tensor's bytes, a slice of the file's mapping (no copy)
 */
public record SafetensorsTensor(String name, SafetensorsDType dtype, long[] shape, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
