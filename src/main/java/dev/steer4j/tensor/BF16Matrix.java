package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;

import static dev.steer4j.tensor.Blocks.F;
import static dev.steer4j.tensor.Blocks.FAST;
import static dev.steer4j.tensor.Blocks.I;
import static dev.steer4j.tensor.Blocks.I16;
import static dev.steer4j.tensor.Blocks.L;
import static dev.steer4j.tensor.Blocks.LE;
import static dev.steer4j.tensor.Blocks.S;

/** bfloat16 weights, read in place. Exact: a bfloat16 is the top half of a float's bits. */
public final class BF16Matrix extends WeightMatrix {
    public BF16Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
        Blocks.checkSize(name, data, rows, 2L * cols);
    }

    @Override public GGMLType type() { return GGMLType.BF16; }

    static float bf16(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** L bfloat16s at byte offset {@code off}, as floats (exact). */
    static FloatVector bf16s(MemorySegment seg, long off) {
        IntVector h = (IntVector) ShortVector.fromMemorySegment(S, seg, off, LE).convertShape(VectorOperators.S2I, I, 0);
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        long base = (long) row * cols * 2;
        int i = 0;
        float sum = 0f;
        if (FAST) {
            FloatVector acc0 = FloatVector.zero(F), acc1 = FloatVector.zero(F);
            for (; i + 2 * L <= cols; i += 2 * L) {
                acc0 = bf16s(data, base + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
                acc1 = bf16s(data, base + 2L * (i + L)).fma(FloatVector.fromArray(F, x, xOff + i + L), acc1);
            }
            for (; i + L <= cols; i += L) {
                acc0 = bf16s(data, base + 2L * i).fma(FloatVector.fromArray(F, x, xOff + i), acc0);
            }
            sum = VectorMath.sum(acc0.add(acc1));
        }
        for (; i < cols; i++) sum += bf16(data.get(I16, base + 2L * i)) * x[xOff + i];
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        long base = (long) row * cols * 2;
        for (int i = 0; i < cols; i++) out[outOff + i] = bf16(data.get(I16, base + 2L * i));
    }

    @Override
    public void dequantizeRowFast(int row, float[] out, int outOff) {
        long base = (long) row * cols * 2;
        int i = 0;
        if (FAST) for (; i + L <= cols; i += L) bf16s(data, base + 2L * i).intoArray(out, outOff + i);
        for (; i < cols; i++) out[outOff + i] = bf16(data.get(I16, base + 2L * i));
    }
}
