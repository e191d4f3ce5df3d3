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
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;

/**
 * Q8_0 weights: blocks of 32 values stored as an IEEE half scale {@code d} and 32 signed bytes {@code q}; the value
 * is {@code q * d}.
 */
public final class Q8_0Matrix extends WeightMatrix {
    static final int QK = 32;
    static final int BLOCK_BYTES = 34;

    public Q8_0Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkCols(name, cols, QK, "Q8_0");
        Blocks.checkSize(name, data, rows, (long) cols / QK * BLOCK_BYTES);
    }

    @Override public GGMLType type() { return GGMLType.Q8_0; }

    /**
     * Four blocks per step into four independent accumulators: each block is widened to floats, multiplied with x,
     * summed and scaled by its half {@code d}. (Measured on a 142 MB matrix streamed from DRAM: 22 GB/s per thread,
     * against 15 GB/s for two blocks per step, which leaves the FMA chains latency-bound.)
     */
    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (!FAST) return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int b = 0;
        if (L == 16) {
            for (; b + 3 < nb; b += 4) {
                long o = base + (long) b * BLOCK_BYTES;
                int xb = xOff + b * QK;
                FloatVector s;
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 2, LE).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb));
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 18, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + 16), s);
                a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o))), a0);
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 36, LE).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 32));
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 52, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + 48), s);
                a1 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o + 34))), a1);
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 70, LE).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 64));
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 86, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + 80), s);
                a2 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o + 68))), a2);
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 104, LE).convertShape(VectorOperators.B2F, F, 0)).mul(FloatVector.fromArray(F, x, xb + 96));
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 120, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + 112), s);
                a3 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o + 102))), a3);
            }
        }
        for (; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < QK; k += L) {
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + k), s);
            }
            a0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o))), a0);
        }
        FloatVector acc = a0.add(a1).add(a2.add(a3));
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
            for (int j = 0; j < QK; j++) out[y + j] = data.get(Blocks.I8, o + 2 + j) * d;
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
            for (int k = 0; k < QK; k += L)
                ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0)).mul(d).intoArray(out, y + k);
        }
    }

    @Override public Q8Activations.Kind int8Kind() { return Q8Activations.Kind.Q8_0; }

    /** Σ_b half(d_w)·d_x · Σ q_w·q_x, the sums in int lanes (llama.cpp's vec_dot_q8_0_q8_0). */
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
            for (int k = 0; k < QK; k += L) {
                IntVector w = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2 + k, LE).convertShape(VectorOperators.B2I, I, 0);
                s = s.add(w.mul((IntVector) ByteVector.fromArray(B, xq, xb + k).convertShape(VectorOperators.B2I, I, 0)));
            }
            float d = Float.float16ToFloat(data.get(I16, o)) * xd[bo + b];
            acc = ((FloatVector) s.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, d), acc);
        }
        float sum = 0f;
        for (int l = 0; l < L; l++) sum += acc.lane(l);
        return sum;
    }
}
