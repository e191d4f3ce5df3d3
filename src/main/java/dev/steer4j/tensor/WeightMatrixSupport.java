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
}
