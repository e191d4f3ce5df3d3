package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.steer4j.tensor.Blocks.B;
import static dev.steer4j.tensor.Blocks.F;
import static dev.steer4j.tensor.Blocks.FAST;
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

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (!FAST) return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        int b = 0;
        for (; b + 1 < nb; b += 2) {
            long o0 = base + (long) b * BLOCK_BYTES, o1 = o0 + BLOCK_BYTES;
            int x0 = xOff + b * QK, x1 = x0 + QK;
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            for (int k = 0; k < QK; k += L) {
                s0 = ((FloatVector) ByteVector.fromMemorySegment(B, data, o0 + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, x0 + k), s0);
                s1 = ((FloatVector) ByteVector.fromMemorySegment(B, data, o1 + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, x1 + k), s1);
            }
            acc0 = s0.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o0))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o1))), acc1);
        }
        for (; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            FloatVector s = FloatVector.zero(F);
            for (int k = 0; k < QK; k += L) {
                s = ((FloatVector) ByteVector.fromMemorySegment(B, data, o + 2 + k, LE).convertShape(VectorOperators.B2F, F, 0)).fma(FloatVector.fromArray(F, x, xb + k), s);
            }
            acc0 = s.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o))), acc0);
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
            for (int j = 0; j < QK; j++) out[y + j] = data.get(Blocks.I8, o + 2 + j) * d;
        }
    }
}
