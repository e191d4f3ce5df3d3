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
     * d once into a per-thread scratch, and each group's scale is broadcast from there: a load, where a permute of the
     * scale vector cost a shuffle per group (JMH, 2048 × 2048 in cache, one thread: 380 → 350 µs).
     */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        final float[] sc = rowBuffer();
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector acc1 = FloatVector.zero(F), acc2 = FloatVector.zero(F);
        FloatVector acc3 = FloatVector.zero(F), acc4 = FloatVector.zero(F);
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o + 208));
            ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 192, LE)
                    .convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(sc, 0);
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
                            .fma(FloatVector.broadcast(F, sc[g]), acc1);
                    acc2 = ((FloatVector) q2.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 32 + k))
                            .fma(FloatVector.broadcast(F, sc[g + 2]), acc2);
                    acc3 = ((FloatVector) q3.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 64 + k))
                            .fma(FloatVector.broadcast(F, sc[g + 4]), acc3);
                    acc4 = ((FloatVector) q4.convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 96 + k))
                            .fma(FloatVector.broadcast(F, sc[g + 6]), acc4);
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

    @Override
    public void dequantizeRowFast(int row, float[] out, int outOff) {
        if (!FAST) { dequantizeRow(row, out, outOff); return; }
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        for (int s = 0; s < nb; s++) {
            long o = base + (long) s * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o + 208));
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n, qh = o + 128 + 32L * n, sc = o + 192 + 8L * n;
                int y = outOff + s * QK + 128 * n;
                for (int l = 0; l < 32; l += L) {
                    long is = sc + l / 16;
                    IntVector a = (IntVector) ByteVector.fromMemorySegment(B, data, ql + l, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector b = (IntVector) ByteVector.fromMemorySegment(B, data, ql + 32 + l, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(B, data, qh + l, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector q1 = a.and(0x0F).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q2 = b.and(0x0F).or(h.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q3 = a.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q4 = b.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    ((FloatVector) q1.convert(VectorOperators.I2F, 0)).mul(d * data.get(I8, is)).intoArray(out, y + l);
                    ((FloatVector) q2.convert(VectorOperators.I2F, 0)).mul(d * data.get(I8, is + 2)).intoArray(out, y + 32 + l);
                    ((FloatVector) q3.convert(VectorOperators.I2F, 0)).mul(d * data.get(I8, is + 4)).intoArray(out, y + 64 + l);
                    ((FloatVector) q4.convert(VectorOperators.I2F, 0)).mul(d * data.get(I8, is + 6)).intoArray(out, y + 96 + l);
                }
            }
        }
    }

    @Override public Q8Activations.Kind int8Kind() { return Q8Activations.Kind.Q8_K; }

    /** Σ_superblocks d_x·half(d) · Σ_groups sc_g · Σ (q_w − 32)·q_x, the sums in int lanes (llama.cpp's vec_dot_q6_K_q8_K). */
    @Override
    public float dotRowQ8(int row, Q8Activations a, int i) {
        if (!FAST) return WeightMatrixSupport.dotQ8ViaFloats(this, row, a, i);
        final MemorySegment data = this.data;
        final byte[] xq = a.q;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        int xo = i * cols, bo = i * nb;
        FloatVector acc = FloatVector.zero(F);
        for (int sb = 0; sb < nb; sb++) {
            long o = base + (long) sb * BLOCK_BYTES;
            IntVector isum = IntVector.zero(I);
            for (int n = 0; n < 2; n++) {
                long ql = o + 64L * n, qh = o + 128 + 32L * n, sc = o + 192 + 8L * n;
                int xb = xo + sb * QK + 128 * n;
                for (int l = 0; l < 32; l += L) {
                    long is = sc + l / 16;
                    IntVector va = (IntVector) ByteVector.fromMemorySegment(B, data, ql + l, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector vb = (IntVector) ByteVector.fromMemorySegment(B, data, ql + 32 + l, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector h = (IntVector) ByteVector.fromMemorySegment(B, data, qh + l, LE).convertShape(VectorOperators.B2I, I, 0);
                    IntVector q1 = va.and(0x0F).or(h.and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q2 = vb.and(0x0F).or(h.lanewise(VectorOperators.LSHR, 2).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q3 = va.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHR, 4).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    IntVector q4 = vb.lanewise(VectorOperators.LSHR, 4).and(0x0F).or(h.lanewise(VectorOperators.LSHR, 6).and(3).lanewise(VectorOperators.LSHL, 4)).sub(32);
                    isum = isum.add(q1.mul((IntVector) ByteVector.fromArray(B, xq, xb + l).convertShape(VectorOperators.B2I, I, 0)).mul(data.get(I8, is)))
                            .add(q2.mul((IntVector) ByteVector.fromArray(B, xq, xb + 32 + l).convertShape(VectorOperators.B2I, I, 0)).mul(data.get(I8, is + 2)))
                            .add(q3.mul((IntVector) ByteVector.fromArray(B, xq, xb + 64 + l).convertShape(VectorOperators.B2I, I, 0)).mul(data.get(I8, is + 4)))
                            .add(q4.mul((IntVector) ByteVector.fromArray(B, xq, xb + 96 + l).convertShape(VectorOperators.B2I, I, 0)).mul(data.get(I8, is + 6)));
                }
            }
            float d = a.d[bo + sb] * Float.float16ToFloat(data.get(I16, o + 208));
            acc = ((FloatVector) isum.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        float sum = 0f;
        for (int l = 0; l < L; l++) sum += acc.lane(l);
        return sum;
    }
}
