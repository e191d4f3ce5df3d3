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
import static dev.steer4j.tensor.Blocks.IOTA16;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;

/**
 * Q4_1 weights: blocks of 32 values stored as IEEE half scale {@code d} and offset {@code m} and 16 bytes of 4-bit
 * quants (low nibbles are elements 0..15, high nibbles 16..31); the value is {@code q * d + m}.
 */
public final class Q4_1Matrix extends WeightMatrix {
    static final int QK = 32;
    static final int BLOCK_BYTES = 20;

    public Q4_1Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkCols(name, cols, QK, "Q4_1");
        Blocks.checkSize(name, data, rows, (long) cols / QK * BLOCK_BYTES);
    }

    @Override public GGMLType type() { return GGMLType.Q4_1; }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        if (L == 16) return dot16(row, x, xOff);
        if (FAST) return dotWiden(row, x, xOff);
        return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
    }

    /** 16 lanes: per block, a table of the 16 values q·d + m indexed by the nibbles; two blocks per step. */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int b = 0;
        for (; b + 1 < nb; b += 2) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            IntVector t = IOTA16.mul(Float.float16ToFloat(data.get(I16, o))).add(Float.float16ToFloat(data.get(I16, o + 2))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 4, LE).convertShape(VectorOperators.B2I, I, 0);
            a0 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb), a0);
            a1 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 16), a1);
            long o2 = o + BLOCK_BYTES;
            t = IOTA16.mul(Float.float16ToFloat(data.get(I16, o2))).add(Float.float16ToFloat(data.get(I16, o2 + 2))).reinterpretAsInts();
            q = (IntVector) ByteVector.fromMemorySegment(B, data, o2 + 4, LE).convertShape(VectorOperators.B2I, I, 0);
            a2 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 32), a2);
            a3 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 48), a3);
        }
        if (b < nb) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            IntVector t = IOTA16.mul(Float.float16ToFloat(data.get(I16, o))).add(Float.float16ToFloat(data.get(I16, o + 2))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 4, LE).convertShape(VectorOperators.B2I, I, 0);
            a0 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb), a0);
            a1 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 16), a1);
        }
        FloatVector acc = a0.add(a1).add(a2.add(a3));
        // VectorMath.sum's fixed lane order, inlined: a call taking a vector would box it in these large methods
        float sum = 0f;
        for (int i = 0; i < L; i++) sum += acc.lane(i);
        return sum;
    }

    /** Any FAST width: per block {@code d·Σq·x + m·Σx}, widening the nibbles to floats. */
    private float dotWiden(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector accQ = FloatVector.zero(F), accM = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            FloatVector sq = FloatVector.zero(F), sx = FloatVector.zero(F);
            for (int k = 0; k < QK / 2; k += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, o + 4 + k, LE);
                FloatVector x0 = FloatVector.fromArray(F, x, xb + k);
                FloatVector x1 = FloatVector.fromArray(F, x, xb + QK / 2 + k);
                ByteVector q0 = q.and((byte) 0x0F);
                ByteVector q1 = q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F);
                sq = ((FloatVector) q0.convertShape(VectorOperators.B2F, F, 0)).fma(x0, sq);
                sq = ((FloatVector) q1.convertShape(VectorOperators.B2F, F, 0)).fma(x1, sq);
                sx = sx.add(x0).add(x1);
            }
            accQ = sq.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o))), accQ);
            accM = sx.fma(FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o + 2))), accM);
        }
        FloatVector acc = accQ.add(accM);
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
            float m = Blocks.f16(data, o + 2);
            int y = outOff + b * QK;
            for (int j = 0; j < QK / 2; j++) {
                int q = Blocks.u8(data, o + 4 + j);
                out[y + j] = (q & 0x0F) * d + m;
                out[y + j + QK / 2] = (q >> 4) * d + m;
            }
        }
    }
}
