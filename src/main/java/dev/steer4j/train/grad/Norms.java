package dev.steer4j.train.grad;

/** Row-wise RMSNorm and LayerNorm with frozen scale (and bias) vectors, as the model files store them. */
public final class Norms {
    private Norms() {}

    /** y = x / sqrt(mean(x²) + eps) ⊙ w, per row. */
    public static Tensor rms(Tape tape, Tensor x, float[] w, double eps) {
        int n = x.rows, d = x.cols;
        if (w.length != d) throw new IllegalArgumentException("rms norm of width " + w.length + " applied to " + x);
        Tensor y = tape.output(n, d, x.requiresGrad);
        double[] inv = new double[n];
        for (int r = 0; r < n; r++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += x.value[r * d + j] * x.value[r * d + j];
            inv[r] = 1 / Math.sqrt(ss / d + eps);
            for (int j = 0; j < d; j++) y.value[r * d + j] = x.value[r * d + j] * inv[r] * w[j];
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] gx = x.grad();
            for (int r = 0; r < n; r++) {
                double dot = 0;
                for (int j = 0; j < d; j++) dot += y.grad[r * d + j] * w[j] * x.value[r * d + j];
                double ir = inv[r], k = ir * ir * ir * dot / d;
                for (int j = 0; j < d; j++) gx[r * d + j] += ir * y.grad[r * d + j] * w[j] - k * x.value[r * d + j];
            }
        });
        return y;
    }

    /** y = (x - mean) / sqrt(var + eps) ⊙ w + b, per row (b may be null). */
    public static Tensor layer(Tape tape, Tensor x, float[] w, float[] b, double eps) {
        int n = x.rows, d = x.cols;
        if (w.length != d || (b != null && b.length != d)) throw new IllegalArgumentException("layer norm of width " + w.length + " applied to " + x);
        Tensor y = tape.output(n, d, x.requiresGrad);
        double[] xhat = new double[n * d];
        double[] inv = new double[n];
        for (int r = 0; r < n; r++) {
            double mean = 0;
            for (int j = 0; j < d; j++) mean += x.value[r * d + j];
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) { double c = x.value[r * d + j] - mean; var += c * c; }
            inv[r] = 1 / Math.sqrt(var / d + eps);
            for (int j = 0; j < d; j++) {
                xhat[r * d + j] = (x.value[r * d + j] - mean) * inv[r];
                y.value[r * d + j] = xhat[r * d + j] * w[j] + (b == null ? 0 : b[j]);
            }
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] gx = x.grad();
            for (int r = 0; r < n; r++) {
                double mg = 0, mgx = 0;
                for (int j = 0; j < d; j++) {
                    double g = y.grad[r * d + j] * w[j];
                    mg += g;
                    mgx += g * xhat[r * d + j];
                }
                mg /= d;
                mgx /= d;
                for (int j = 0; j < d; j++) {
                    double g = y.grad[r * d + j] * w[j];
                    gx[r * d + j] += inv[r] * (g - mg - xhat[r * d + j] * mgx);
                }
            }
        });
        return y;
    }
}
