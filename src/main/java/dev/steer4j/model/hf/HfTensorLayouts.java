package dev.steer4j.model.hf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Applies an {@link HfLayout} to a tensor's bytes. The tensor is row-major {@code rows × cols} with elements of
 * {@code elementBytes} bytes (F32 = 4, F16/BF16 = 2); results that differ from the source are allocated in
 * {@code arena}. {@link HfLayout#AS_IS} returns the source slice itself, so unchanged tensors are never copied.
 */
final class HfTensorLayouts {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private HfTensorLayouts() {}

    /** The element kinds a layout can change: F32, F16 or BF16. */
    enum Kind { F32, F16, BF16 }

    /**
     * @param heads the number of heads the rows are grouped in (only for the permutations)
     * @return the data in the new layout; for PLUS_ONE / MINUS_ONE always F32
     */
    static MemorySegment apply(HfLayout layout, MemorySegment src, Kind kind, long rows, long cols, int heads, Arena arena) {
        int eb = kind == Kind.F32 ? 4 : 2;
        return switch (layout) {
            case AS_IS -> src;
            case PERMUTE_Q, PERMUTE_K -> permuteRows(src, rows, cols * eb, heads, true, arena);
            case UNPERMUTE_Q, UNPERMUTE_K -> permuteRows(src, rows, cols * eb, heads, false, arena);
            case TRANSPOSE -> transpose(src, rows, cols, eb, arena);
            case PLUS_ONE -> addOne(src, kind, rows * cols, 1f, arena);
            case MINUS_ONE -> addOne(src, kind, rows * cols, -1f, arena);
        };
    }

    /**
     * llama.cpp's {@code LlamaModel.permute}: within each head of {@code d = rows/heads} rows, GGUF row {@code 2i + j}
     * is HF row {@code j·d/2 + i} (toGguf) or the reverse.
     */
    static MemorySegment permuteRows(MemorySegment src, long rows, long rowBytes, int heads, boolean toGguf, Arena arena) {
        if (heads <= 0 || rows % heads != 0 || (rows / heads) % 2 != 0)
            throw new IllegalArgumentException(rows + " rows do not split into " + heads + " heads of even size");
        long d = rows / heads, half = d / 2;
        MemorySegment out = arena.allocate(rows * rowBytes, 8);
        for (long h = 0; h < heads; h++) {
            for (long i = 0; i < half; i++) {
                for (long j = 0; j < 2; j++) {
                    long gguf = h * d + 2 * i + j, hf = h * d + j * half + i;
                    long from = toGguf ? hf : gguf, to = toGguf ? gguf : hf;
                    MemorySegment.copy(src, from * rowBytes, out, to * rowBytes, rowBytes);
                }
            }
        }
        return out;
    }

    static MemorySegment transpose(MemorySegment src, long rows, long cols, int eb, Arena arena) {
        MemorySegment out = arena.allocate(rows * cols * eb, 8);
        for (long r = 0; r < rows; r++) {
            for (long c = 0; c < cols; c++) {
                MemorySegment.copy(src, (r * cols + c) * eb, out, (c * rows + r) * eb, eb);
            }
        }
        return out;
    }

    static MemorySegment addOne(MemorySegment src, Kind kind, long n, float delta, Arena arena) {
        MemorySegment out = arena.allocate(n * 4, 8);
        for (long i = 0; i < n; i++) out.setAtIndex(F32, i, read(src, kind, i) + delta);
        return out;
    }

    static float read(MemorySegment src, Kind kind, long i) {
        return switch (kind) {
            case F32 -> src.getAtIndex(F32, i);
            case F16 -> Float.float16ToFloat(src.getAtIndex(I16, i));
            case BF16 -> Float.intBitsToFloat((src.getAtIndex(I16, i) & 0xFFFF) << 16);
        };
    }
}
