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
import static dev.steer4j.tensor.Blocks.IOTA16_M8;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;

/**
 * Q4_0 weights: blocks of 32 values stored as an IEEE half scale {@code d} and 16 bytes of 4-bit quants; byte
 * {@code j} holds element {@code j} in its low nibble and element {@code j + 16} in its high nibble, and the value is
 * {@code (q - 8) * d}.
 */
public final class Q4_0Matrix extends WeightMatrix {
    static final int QK = 32;
    static final int BLOCK_BYTES = 18;

    public Q4_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkCols(name, cols, QK, "Q4_0");
        Blocks.checkSize(name, data, rows, (long) cols / QK * BLOCK_BYTES);
    }

    @Override public GGMLType type() { return GGMLType.Q4_0; }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (L == 16) return dot16(row, x, xOff);
        if (FAST) return dotWiden(row, x, xOff);
        return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
    }

    /**
     * 16 lanes: per block, a table of the 16 values (q - 8)·d indexed by the nibbles; four blocks per step into
     * eight independent accumulators (two blocks per step left the FMA chains latency-bound: 10-25 % slower).
     */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int b = 0;
        for (; b + 3 < nb; b += 4) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            IntVector t = IOTA16_M8.mul(Float.float16ToFloat(data.get(I16, o))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            a0 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb), a0);
            a1 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 16), a1);
            t = IOTA16_M8.mul(Float.float16ToFloat(data.get(I16, o + BLOCK_BYTES))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, o + BLOCK_BYTES + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            a2 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 32), a2);
            a3 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 48), a3);
            t = IOTA16_M8.mul(Float.float16ToFloat(data.get(I16, o + 2 * BLOCK_BYTES))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2 * BLOCK_BYTES + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            a4 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 64), a4);
            a5 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 80), a5);
            t = IOTA16_M8.mul(Float.float16ToFloat(data.get(I16, o + 3 * BLOCK_BYTES))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 3 * BLOCK_BYTES + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            a6 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 96), a6);
            a7 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 112), a7);
        }
        for (; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            IntVector t = IOTA16_M8.mul(Float.float16ToFloat(data.get(I16, o))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            a0 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb), a0);
            a1 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 16), a1);
        }
        FloatVector acc = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7)));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    /** Any FAST width: widen the nibbles to floats, sum q·x per block, scale by d; two blocks per step. */
    private float dotWiden(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int b = 0; b < nb; b += 2) {
            // block b into acc0; block b + 1 (when present) into acc1
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            boolean pair = b + 1 < nb;
            for (int k = 0; k < QK / 2; k += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, o + 2 + k, LE);
                ByteVector q0 = q.and((byte) 0x0F).sub((byte) 8);
                ByteVector q1 = q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
                s0 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + k), s0);
                s0 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + QK / 2 + k), s0);
                if (pair) {
                    q = ByteVector.fromMemorySegment(B, data, o + BLOCK_BYTES + 2 + k, LE);
                    q0 = q.and((byte) 0x0F).sub((byte) 8);
                    q1 = q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
                    s1 = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + QK + k), s1);
                    s1 = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + QK + QK / 2 + k), s1);
                }
            }
            acc0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o))), acc0);
            if (pair) acc1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o + BLOCK_BYTES))), acc1);
        }
        FloatVector acc = acc0.add(acc1);
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        for (int b = 0; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = Blocks.f16(data, o);
            int y = outOff + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Blocks.u8(data, o + 2 + j);
                out[y + j] = ((q & 0x0F) - 8) * d;
                out[y + j + QK / 2] = ((q >> 4) - 8) * d;
            }
        }
    }

    @Override
    public void dequantizeRowFast(int row, float[] out, int outOff) {
        if (!FAST) { dequantizeRow(row, out, outOff); return; }
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        for (int b = 0; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16, o));
            int y = outOff + b * QK;
            for (int k = 0; k < QK / 2; k += L) {
                IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2 + k, LE).convertShape(VectorOperators.B2I, I, 0);
                ((FloatVector) q.and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, y + k);
                ((FloatVector) q.lanewise(VectorOperators.LSHR, 4).and(0x0F).sub(8).convert(VectorOperators.I2F, 0)).mul(d).intoArray(out, y + QK / 2 + k);
            }
        }
    }

    @Override public Q8Activations.Kind int8Kind() { return Q8Activations.Kind.Q8_0; }

    /** Σ_b half(d_w)·d_x · Σ (q_w − 8)·q_x, the sums in int lanes (llama.cpp's vec_dot_q4_0_q8_0). */
    @Override
    public float dotRowQ8(int row, Q8Activations a, int i) {
        if (!FAST) return WeightMatrixSupport.dotQ8ViaFloats(this, row, a, i);
        final MemorySegment data = this.data;
        final byte[] xq = a.q;
        final float[] xd = a.d;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        int xo = i * cols, bo = i * nb;
        FloatVector acc = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xo + b * QK;
            IntVector s = IntVector.zero(I);
            for (int k = 0; k < QK / 2; k += L) {
                IntVector w = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2 + k, LE).convertShape(VectorOperators.B2I, I, 0);
                IntVector x0 = (IntVector) ByteVector.fromArray(B, xq, xb + k).convertShape(VectorOperators.B2I, I, 0);
                IntVector x1 = (IntVector) ByteVector.fromArray(B, xq, xb + QK / 2 + k).convertShape(VectorOperators.B2I, I, 0);
                s = s.add(w.and(0x0F).sub(8).mul(x0)).add(w.lanewise(VectorOperators.LSHR, 4).and(0x0F).sub(8).mul(x1));
            }
            float d = Float.float16ToFloat(data.get(I16, o)) * xd[bo + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        float sum = 0f;
        for (int l = 0; l < L; l++) sum += acc.lane(l);
        return sum;
    }
}
