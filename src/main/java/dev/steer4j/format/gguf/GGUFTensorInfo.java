package dev.steer4j.format.gguf;

import java.lang.foreign.MemorySegment;

/**
 * One tensor of a GGUF file. {@code dims[0]} is the fastest-varying dimension (ggml's ne0), so a 2-D weight
 * with dims {@code [cols, rows]} stores {@code rows} rows of {@code cols} elements each.
 *
 * @param data the tensor's bytes, a slice of the file's mapping (no copy)
 */
public record GGUFTensorInfo(String name, long[] dims, GGMLType type, long offset, MemorySegment data) {

    public long elementCount() {
        long n = 1;
        for (long d : dims) n *= d;
        return n;
    }

    public long byteSize() { return type.byteSize(elementCount()); }

    /** Elements per row (ne0). */
    public long cols() { return dims[0]; }

    /** Number of rows: the product of all dims but the first. */
    public long rows() { return elementCount() / dims[0]; }

    public String shapeString() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : ", ").append(dims[i]);
        return sb.append(']').toString();
    }
}
