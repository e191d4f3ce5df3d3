package dev.steer4j.format.pytorch;

/**
 * A tensor as {@code torch._utils._rebuild_tensor_v2} describes it: a view into a storage with an element offset,
 * a shape and strides (in elements).
 */
public record TensorRef(StorageRef storage, long offset, long[] shape, long[] stride) {
    public long numel() {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }
}
