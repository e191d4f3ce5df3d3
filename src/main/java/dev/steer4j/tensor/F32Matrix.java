package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** F32 weights, read straight from the mapped segment. Exact: no activation quantisation. */
public final class F32Matrix extends WeightMatrix {
    private static final ValueLayout.OfFloat LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public F32Matrix(String name, MemorySegment data, int rows, int cols) {
        super(name, data, rows, cols);
    }

    @Override public GGMLType type() { return GGMLType.F32; }

    @Override
    public float dotRow(int row, float[] x, int xOff) {
        long base = (long) row * cols * 4;
        var S = VectorMath.F;
        int i = 0;
        float sum = 0f;
        int upper = S.loopBound(cols);
        if (upper > 0) {
            FloatVector acc = FloatVector.zero(S);
            for (; i < upper; i += S.length()) {
                FloatVector w = FloatVector.fromMemorySegment(S, data, base + 4L * i, ByteOrder.LITTLE_ENDIAN);
                acc = w.fma(FloatVector.fromArray(S, x, xOff + i), acc);
            }
            sum = VectorMath.sum(acc);
        }
        for (; i < cols; i++) sum += data.get(LE, base + 4L * i) * x[xOff + i];
        return sum;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int outOff) {
        MemorySegment.copy(data, LE, (long) row * cols * 4, out, outOff, cols);
    }
}
