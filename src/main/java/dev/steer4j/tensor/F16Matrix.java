package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.steer4j.tensor.Blocks.F;
import static dev.steer4j.tensor.Blocks.FAST;
import static dev.steer4j.tensor.Blocks.I;
import static dev.steer4j.tensor.Blocks.I16;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;
import static dev.steer4j.tensor.Blocks.S;

/**
 * IEEE half-precision weights, read in place. Exact: every half converts to a float exactly, and the products are
 * accumulated in float.
 * <p>JDK 25's Vector API has no half-to-float lane conversion, so the kernel widens the halves to ints and rebuilds the
 * float bits: {@code (h & 0x7fff) << 13} reinterpreted as a float and multiplied by 2^112 is the exact magnitude of
 * every finite half (normal and subnormal alike), infinities and NaNs get the all-ones exponent by a blend, and the
 * sign bit is or-ed back in.
 */
public final class F16Matrix extends WeightMatrix {
    public F16Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkSize(name, data, rows, 2L * cols);
    }

    @Override public GGMLType type() { return GGMLType.F16; }

    /** L halves at byte offset {@code off}, as floats (exact). */
    static FloatVector halves(MemorySegment seg, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, off, LE).convertShape(VectorOperators.S2I, I, 0);
        IntVector em = h.and(0x7fff);
        IntVector bits = em.lanewise(VectorOperators.LSHL, 13);
        IntVector finite = bits.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        VectorMask<Integer> special = em.compare(VectorOperators.GE, 0x7c00);
        IntVector mag = finite.blend(bits.or(0x7f800000), special);
        return mag.or(h.lanewise(VectorOperators.LSHL, 16).and(0x80000000)).reinterpretAsFloats();
    }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        long base = (long) row * cols * 2;
        int i = 0;
        float sum = 0f;
        if (FAST) {
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            for (; i + 2 * L <= cols; i += 2 * L) {
                acc0 = halves(data, base + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
                acc1 = halves(data, base + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
            }
            for (; i + L <= cols; i += L) {
                acc0 = halves(data, base + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            }
            sum = VectorMath.sum(acc0.add(acc1));
        }
        for (; i < cols; i++) sum += Float.float16ToFloat(data.get(I16, base + 2L * i)) * x[xOff + i];
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) out[outOff + i] = Float.float16ToFloat(data.get(I16, base + 2L * i));
    }

    @Override
    public void dequantizeRowFast(int row, float[] out, int outOff) {
        long base = (long) row * cols * 2;
        int i = 0;
        if (FAST) for (; i + L <= cols; i += L) halves(data, base + 2L * i).intoArray(out, outOff + i);
        for (; i < cols; i++) out[outOff + i] = Float.float16ToFloat(data.get(I16, base + 2L * i));
    }
}
