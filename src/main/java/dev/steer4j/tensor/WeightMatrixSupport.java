package dev.steer4j.tensor;

/** Fallbacks shared by the quantised kernels. */
final class WeightMatrixSupport {
    private WeightMatrixSupport() {}

    /** Dequantises the row into the per-thread scratch row and dots it: the path for vector shapes without kernels. */
    static float dotViaBuffer(WeightMatrix m, int row, float[] x, int xOff) {
        float[] buf = m.rowBuffer();
        m.dequantizeRow(row, buf, 0);
        return VectorMath.dot(buf, 0, x, xOff, m.cols());
    }

    /**
     * The int8 dot for vector shapes without kernels: dequantise the row and the activation blocks (d·q exactly as
     * the kernels use them) and multiply in float.
     */
    static float dotQ8ViaFloats(WeightMatrix m, int row, Q8Activations a, int i) {
        float[] buf = m.rowBuffer();
        m.dequantizeRow(row, buf, 0);
        int cols = m.cols();
        int block = a.kind.block;
        double sum = 0;
        for (int c = 0; c < cols; c++) sum += (double) buf[c] * a.q[i * cols + c] * a.d[(i * cols + c) / block];
        return (float) sum;
    }
}
