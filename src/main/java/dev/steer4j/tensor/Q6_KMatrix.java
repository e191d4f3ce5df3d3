package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.steer4j.tensor.Blocks.B;
import static dev.steer4j.tensor.Blocks.F;
import static dev.steer4j.tensor.Blocks.FAST;
import static dev.steer4j.tensor.Blocks.I;
import static dev.steer4j.tensor.Blocks.I16;
import static dev.steer4j.tensor.Blocks.I8;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;

/**
 * Q6_K weights: super-blocks of 256 values stored as 128 bytes {@code ql} of low nibbles, 64 bytes {@code qh} of
 * 2-bit high parts, 16 signed 8-bit scales (one per 16 values) and an IEEE half {@code d} at the end. Each half
 * {@code n} of 128 values uses {@code ql[64n..]}, {@code qh[32n..]} and {@code scales[8n..]}: for {@code l < 32},
 * values {@code l, l+32, l+64, l+96} are the low nibbles of {@code ql[l]}, {@code ql[l+32]} and the high nibbles of
 * {@code ql[l]}, {@code ql[l+32]}, topped with bit pairs 0-1, 2-3, 4-5, 6-7 of {@code qh[l]}; the value is
 * {@code d * scale * (q - 32)}.
 */
public final class Q6_KMatrix extends WeightMatrix {
    static final int QK = 256;
    static final int BLOCK_BYTES = 210;

    public Q6_KMatrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkCols(name, cols, QK, "Q6_K");
        Blocks.checkSize(name, data, rows, (long) cols / QK * BLOCK_BYTES);
    }

    @Override public GGMLType type() { return GGMLType.Q6_K; }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (L == 16) return dot16(row, x, xOff);
        if (FAST) return dotWiden(row, x, xOff);
        return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
    }

    /**
     * 16 lanes: one vector is one 16-value scale group. The 16 scales of a super-block are widened and multiplied by
     * d once, and each group's scale is broadcast from that vector with a permute.
     */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F), acc4 = FloatVector.zero(F);
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o + 208));
            IntVector scales = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 192, LE)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(d).reinterpretAsInts();
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n, qh = o + 128 + 32L * n;
                int xb = xOff + s * QK + 128 * n;
                for (int k = 0; k < 32; k += 16) {
                    var a = ByteVector.fromMemorySegment(B, data, ql + k, LE);
                    var b = ByteVector.fromMemorySegment(B, data, ql + 32 + k, LE);
                    var h = ByteVector.fromMemorySegment(B, data, qh + k, LE).reinterpretAsInts();
                    var q1 = a.and((byte) 0x0F).or(h.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    var q2 = b.and((byte) 0x0F).or(h.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    var q3 = a.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(h.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    var q4 = b.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    int g = 8 * n + (k >> 4);
                    acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + k))
                            .fma(IntVector.broadcast(I, g).selectFrom(scales).reinterpretAsFloats(), acc1);
                    acc2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 32 + k))
                            .fma(IntVector.broadcast(I, g + 2).selectFrom(scales).reinterpretAsFloats(), acc2);
                    acc3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 64 + k))
                            .fma(IntVector.broadcast(I, g + 4).selectFrom(scales).reinterpretAsFloats(), acc3);
                    acc4 = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 96 + k))
                            .fma(IntVector.broadcast(I, g + 6).selectFrom(scales).reinterpretAsFloats(), acc4);
                }
            }
        }
        FloatVector acc = acc1.add(acc2).add(acc3.add(acc4));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    /** Any FAST width: widen the 6-bit quants to floats, one scale per 16 values. */
    private float dotWiden(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F), acc4 = FloatVector.zero(F);
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o + 208));
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n, qh = o + 128 + 32L * n, sc = o + 192 + 8L * n;
                int xb = xOff + s * QK + 128 * n;
                for (int k = 0; k < 32; k += L) {
                    var a = ByteVector.fromMemorySegment(B, data, ql + k, LE);
                    var b = ByteVector.fromMemorySegment(B, data, ql + 32 + k, LE);
                    var h = ByteVector.fromMemorySegment(B, data, qh + k, LE).reinterpretAsInts();
                    // nibble shifts on int lanes, then byte masks (x86 has no byte-lane shifts)
                    var q1 = a.and((byte) 0x0F).or(h.lanewise(VectorOperators.LSHL, 4).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    var q2 = b.and((byte) 0x0F).or(h.lanewise(VectorOperators.LSHL, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    var q3 = a.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(h.reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    var q4 = b.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F)
                            .or(h.lanewise(VectorOperators.LSHR, 2).reinterpretAsBytes().and((byte) 0x30)).sub((byte) 32);
                    long is = sc + (k >> 4);
                    acc1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + k))
                            .fma(FloatVector.broadcast(F, d * data.get(I8, is)), acc1);
                    acc2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 32 + k))
                            .fma(FloatVector.broadcast(F, d * data.get(I8, is + 2)), acc2);
                    acc3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 64 + k))
                            .fma(FloatVector.broadcast(F, d * data.get(I8, is + 4)), acc3);
                    acc4 = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 96 + k))
                            .fma(FloatVector.broadcast(F, d * data.get(I8, is + 6)), acc4);
                }
            }
        }
        FloatVector acc = acc1.add(acc2).add(acc3.add(acc4));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Blocks.f16(data, o + 208);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n, qh = o + 128 + 32L * n, sc = o + 192 + 8L * n;
                int y = outOff + s * QK + 128 * n;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int a = Blocks.u8(data, ql + l), b = Blocks.u8(data, ql + 32 + l), h = Blocks.u8(data, qh + l);
                    int q1 = ((a & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((b & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((b >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    out[y + l] = d * data.get(Blocks.I8, sc + is) * q1;
                    out[y + 32 + l] = d * data.get(Blocks.I8, sc + is + 2) * q2;
                    out[y + 64 + l] = d * data.get(Blocks.I8, sc + is + 4) * q3;
                    out[y + 96 + l] = d * data.get(Blocks.I8, sc + is + 6) * q4;
                }
            }
        }
    }
}
