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

    /** 16 lanes: per block, a table of the 16 values (q - 8)·d indexed by the nibbles; two blocks per step. */
    private float dot16(int row, float[] x, int xOff) {
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector a0 = FloatVector.zero(F), a1 = FloatVector.zero(F), a2 = FloatVector.zero(F), a3 = FloatVector.zero(F);
        int b = 0;
        for (; b + 1 < nb; b += 2) {
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
        }
        if (b < nb) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            IntVector t = IOTA16_M8.mul(Float.float16ToFloat(data.get(I16, o))).reinterpretAsInts();
            IntVector q = (IntVector) ByteVector.fromMemorySegment(B, data, o + 2, LE).convertShape(VectorOperators.B2I, I, 0);
            a0 = q.selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb), a0);
            a1 = q.lanewise(VectorOperators.LSHR, 4).selectFrom(t).reinterpretAsFloats().fma(FloatVector.fromArray(F, x, xb + 16), a1);
        }
        FloatVector acc = a0.add(a1).add(a2.add(a3));
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
}
