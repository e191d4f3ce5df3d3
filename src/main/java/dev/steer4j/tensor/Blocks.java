package dev.steer4j.tensor;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Shared constants and scalar helpers of the block-quantised kernels: little-endian layouts, half-precision reads and
 * the vector species the kernels use.
 * <p>The vector kernels work on {@code L = VectorMath.F.length()} float lanes and read {@code L} bytes (or shorts)
 * at a time from the mapped segment, so that one byte vector widens to exactly one float vector. That needs a byte
 * species of {@code L} lanes, which exists for {@code L = 8} (AVX2) and {@code L = 16} (AVX-512); the quantised
 * kernels also need {@code L <= 16} so that one vector never straddles a 16-element scale group. On other shapes
 * (e.g. 128-bit NEON, {@code L = 4}) {@link #FAST} is false and the kernels fall back to dequantising into a scratch
 * buffer and a vector dot product.
 * <p>With 16 lanes (AVX-512) the 4- and 5-bit kernels decode by table lookup instead of widening: per (sub-)block
 * they build the 16 (or 32) possible dequantised values in one float vector ({@code scale * q - min}, computed
 * exactly as the scalar dequantiser does) and index it with the raw quant bytes widened to ints; the permute uses
 * only the low 4 (or 5) index bits, so the low nibble needs no mask. The looked-up weights are then bit-identical
 * to {@code dequantizeRow}'s.
 */
final class Blocks {
    private Blocks() {}

    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    static final VectorSpecies<Float> F = VectorMath.F;
    static final int L = F.length();
    /** True when the vector kernels can run on this machine's preferred shape. */
    static final boolean FAST = L == 8 || L == 16;
    /** Bytes, shorts and ints with the same lane count as {@link #F} (meaningful only when {@link #FAST}). */
    static final VectorSpecies<Byte> B = FAST ? VectorSpecies.of(byte.class, VectorShape.forBitSize(L * 8)) : ByteVector.SPECIES_64;
    static final VectorSpecies<Short> S = FAST ? VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16)) : ShortVector.SPECIES_64;
    static final VectorSpecies<Integer> I = F.withLanes(int.class);

    /** The floats 0, 1, ..., 15 in the 16-lane species (used only when {@code L == 16}). */
    static final FloatVector IOTA16 = L == 16 ? FloatVector.fromArray(F, new float[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, 0) : null;
    /** The floats 16, ..., 31 (used only when {@code L == 16}). */
    static final FloatVector IOTA16_HI = L == 16 ? IOTA16.add(16f) : null;
    /** The floats -8, ..., 7 (used only when {@code L == 16}). */
    static final FloatVector IOTA16_M8 = L == 16 ? IOTA16.sub(8f) : null;

    /** The IEEE half at {@code off}, as a float (exact). */
    static float f16(MemorySegment seg, long off) {
        return Float.float16ToFloat(seg.get(I16, off));
    }

    static int u8(MemorySegment seg, long off) {
        return seg.get(I8, off) & 0xFF;
    }

    /**
     * The {@code j}-th 6-bit scale and min of a Q4_K/Q5_K 12-byte scales field at {@code off}, packed as
     * {@code scale | min << 8} (ggml's get_scale_min_k4).
     */
    static int scaleMinK4(MemorySegment seg, long off, int j) {
        int sc, m;
        if (j < 4) {
            sc = u8(seg, off + j) & 63;
            m = u8(seg, off + j + 4) & 63;
        } else {
            int q = u8(seg, off + j + 4);
            sc = (q & 0xF) | ((u8(seg, off + j - 4) >> 6) << 4);
            m = (q >> 4) | ((u8(seg, off + j) >> 6) << 4);
        }
        return sc | m << 8;
    }

    /** Same as {@link #scaleMinK4(MemorySegment, long, int)} over a byte array. */
    static int scaleMinK4(byte[] q, int off, int j) {
        int sc, m;
        if (j < 4) {
            sc = q[off + j] & 63;
            m = q[off + j + 4] & 63;
        } else {
            int b = q[off + j + 4] & 0xFF;
            sc = (b & 0xF) | (((q[off + j - 4] & 0xFF) >> 6) << 4);
            m = (b >> 4) | (((q[off + j] & 0xFF) >> 6) << 4);
        }
        return sc | m << 8;
    }

    /** Checks that {@code cols} is a whole number of blocks of {@code blockSize}. */
    static void checkCols(String name, int cols, int blockSize, String type) {
        if (cols % blockSize != 0)
            throw new IllegalArgumentException("tensor '" + name + "': row length " + cols + " is not a multiple of the "
                    + type + " block size " + blockSize);
    }

    /** Checks that the segment holds at least rows × rowBytes bytes. */
    static void checkSize(String name, MemorySegment data, int rows, long rowBytes) {
        long need = rows * rowBytes;
        if (data.byteSize() < need)
            throw new IllegalArgumentException("tensor '" + name + "': " + data.byteSize() + " bytes of data, need " + need);
    }
}
