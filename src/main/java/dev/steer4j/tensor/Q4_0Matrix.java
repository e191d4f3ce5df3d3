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
        if (!FAST) return WeightMatrixSupport.dotViaBuffer(this, row, x, xOff);
        final MemorySegment data = this.data;
        int nb = cols / QK;
        long base = (long) row * nb * BLOCK_BYTES;
        FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
        for (int b = 0; b < nb; b++) {
            long o = base + (long) b * BLOCK_BYTES;
            int xb = xOff + b * QK;
            FloatVector lo = FloatVector.zero(F), hi = FloatVector.zero(F);
            for (int k = 0; k < QK / 2; k += L) {
                ByteVector q = ByteVector.fromMemorySegment(B, data, o + 2 + k, LE);
                ByteVector q0 = q.and((byte) 0x0F).sub((byte) 8);
                ByteVector q1 = q.reinterpretAsInts().lanewise(VectorOperators.LSHR, 4).reinterpretAsBytes().and((byte) 0x0F).sub((byte) 8);
                FloatVector ql = (FloatVector) q0.convertShape(VectorOperators.B2F, F, 0);
                FloatVector qh = (FloatVector) q1.convertShape(VectorOperators.B2F, F, 0);
                lo = ql.fma(FloatVector.fromArray(F, x, xb + k), lo);
                hi = qh.fma(FloatVector.fromArray(F, x, xb + QK / 2 + k), hi);
            }
            FloatVector d = FloatVector.broadcast(F, Float.float16ToFloat(data.get(I16, o)));
            acc0 = lo.fma(d, acc0);
            acc1 = hi.fma(d, acc1);
        }
        return VectorMath.sum(acc0.add(acc1));
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
