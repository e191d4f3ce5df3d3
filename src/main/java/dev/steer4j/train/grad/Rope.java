package dev.steer4j.train.grad;

/**
 * Rotary position embedding of every head of every row; row r sits at position {@code pos0 + r}. Pairs are
 * adjacent (2i, 2i+1) or half-split (i, i + d/2, NEOX), as in the inference pass. The backward rule rotates the
 * gradient by the opposite angle.
 */
public final class Rope {
    private Rope() {}

    /**
     * @param invFreq per-pair inverse frequencies, exactly as the inference pass computes them (float)
     */
    public static Tensor apply(Tape tape, Tensor x, int heads, int headDim, int pos0, float[] invFreq, boolean halfSplit) {
        if (x.cols != heads * headDim) throw new IllegalArgumentException("rope over " + heads + " heads of " + headDim + " applied to " + x);
        int half = headDim / 2;
        int n = x.rows;
        double[] cos = new double[n * half], sin = new double[n * half];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < half; i++) {
                double theta = (pos0 + r) * (double) invFreq[i];
                cos[r * half + i] = (float) Math.cos(theta);
                sin[r * half + i] = (float) Math.sin(theta);
            }
        Tensor y = tape.output(n, x.cols, x.requiresGrad);
        rotate(x.value, y.value, n, heads, headDim, cos, sin, halfSplit, 1);
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] back = new double[y.grad.length];
            rotate(y.grad, back, n, heads, headDim, cos, sin, halfSplit, -1);
            double[] gx = x.grad();
            for (int i = 0; i < gx.length; i++) gx[i] += back[i];
        });
        return y;
    }

    private static void rotate(double[] in, double[] out, int n, int heads, int hd, double[] cos, double[] sin,
                               boolean halfSplit, int sign) {
        int half = hd / 2, width = heads * hd;
        for (int r = 0; r < n; r++)
            for (int h = 0; h < heads; h++) {
                int base = r * width + h * hd;
                for (int i = 0; i < half; i++) {
                    int a = halfSplit ? base + i : base + 2 * i;
                    int b = halfSplit ? base + i + half : base + 2 * i + 1;
                    double c = cos[r * half + i], s = sign * sin[r * half + i];
                    double x0 = in[a], x1 = in[b];
                    out[a] = x0 * c - x1 * s;
                    out[b] = x0 * s + x1 * c;
                }
            }
    }
}
