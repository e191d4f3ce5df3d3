package dev.steer4j.train.grad;

import dev.steer4j.tensor.WeightMatrix;

import java.util.stream.IntStream;

/**
 * Matrix products y = x · Wᵀ (x: rows × in, W: out × in, as weights are stored), with W either a frozen model
 * matrix read in place from its mmapped (possibly quantised) storage, or a trainable tensor.
 * <p>
 * The frozen product is split into a fixed number of output-row chunks, each dequantising its rows of W once;
 * partial input gradients are summed in chunk order, so results do not depend on thread scheduling.
 */
public final class Linear {
    private static final int CHUNKS = 16;

    private Linear() {}

    /** x · Wᵀ for a frozen model matrix: the gradient flows to x only. */
    public static Tensor frozen(Tape tape, Tensor x, WeightMatrix w) {
        if (x.cols != w.cols()) throw new IllegalArgumentException(w.name() + " takes " + w.cols() + " inputs, got " + x);
        final int n = x.rows, in = w.cols(), out = w.rows();
        Tensor y = tape.output(n, out, x.requiresGrad);
        int chunks = Math.min(CHUNKS, out);
        IntStream.range(0, chunks).parallel().forEach(c -> {
            float[] row = new float[in];
            for (int o = c * out / chunks, end = (c + 1) * out / chunks; o < end; o++) {
                w.dequantizeRow(o, row, 0);
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    int xo = i * in;
                    for (int k = 0; k < in; k++) s += x.value[xo + k] * row[k];
                    y.value[i * out + o] = s;
                }
            }
        });
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[][] partial = new double[chunks][];
            IntStream.range(0, chunks).parallel().forEach(c -> {
                float[] row = new float[in];
                double[] gx = new double[n * in];
                for (int o = c * out / chunks, end = (c + 1) * out / chunks; o < end; o++) {
                    w.dequantizeRow(o, row, 0);
                    for (int i = 0; i < n; i++) {
                        double g = y.grad[i * out + o];
                        if (g == 0) continue;
                        int xo = i * in;
                        for (int k = 0; k < in; k++) gx[xo + k] += g * row[k];
                    }
                }
                partial[c] = gx;
            });
            double[] gx = x.grad();
            for (double[] p : partial) for (int i = 0; i < gx.length; i++) gx[i] += p[i];
        });
        return y;
    }

    /** x · Wᵀ for a trainable W (out × in): gradients flow to x and W. */
    public static Tensor dense(Tape tape, Tensor x, Tensor w) {
        if (x.cols != w.cols) throw new IllegalArgumentException("dense: " + w + " takes " + w.cols + " inputs, got " + x);
        final int n = x.rows, in = w.cols, out = w.rows;
        Tensor y = tape.output(n, out, Tape.anyGrad(x, w));
        IntStream.range(0, n).parallel().forEach(i -> {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int k = 0; k < in; k++) s += x.value[i * in + k] * w.value[o * in + k];
                y.value[i * out + o] = s;
            }
        });
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            if (x.requiresGrad) {
                double[] gx = x.grad();
                IntStream.range(0, n).parallel().forEach(i -> {
                    for (int o = 0; o < out; o++) {
                        double g = y.grad[i * out + o];
                        for (int k = 0; k < in; k++) gx[i * in + k] += g * w.value[o * in + k];
                    }
                });
            }
            if (w.requiresGrad) {
                double[] gw = w.grad();
                IntStream.range(0, out).parallel().forEach(o -> {
                    for (int i = 0; i < n; i++) {
                        double g = y.grad[i * out + o];
                        if (g == 0) continue;
                        for (int k = 0; k < in; k++) gw[o * in + k] += g * x.value[i * in + k];
                    }
                });
            }
        });
        return y;
    }

    /** x · W for a trainable W (in × out), the product {@link #dense} takes with Wᵀ: gradients flow to x and W. */
    public static Tensor matmul(Tape tape, Tensor x, Tensor w) {
        if (x.cols != w.rows) throw new IllegalArgumentException("matmul: " + x + " · " + w + " needs " + x.cols + " = " + w.rows);
        final int n = x.rows, in = w.rows, out = w.cols;
        Tensor y = tape.output(n, out, Tape.anyGrad(x, w));
        for (int i = 0; i < n; i++)
            for (int k = 0; k < in; k++) {
                double a = x.value[i * in + k];
                if (a == 0) continue;
                for (int o = 0; o < out; o++) y.value[i * out + o] += a * w.value[k * out + o];
            }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            if (x.requiresGrad) {
                double[] gx = x.grad();
                for (int i = 0; i < n; i++)
                    for (int k = 0; k < in; k++) {
                        double s = 0;
                        for (int o = 0; o < out; o++) s += y.grad[i * out + o] * w.value[k * out + o];
                        gx[i * in + k] += s;
                    }
            }
            if (w.requiresGrad) {
                double[] gw = w.grad();
                for (int i = 0; i < n; i++)
                    for (int k = 0; k < in; k++) {
                        double a = x.value[i * in + k];
                        if (a == 0) continue;
                        for (int o = 0; o < out; o++) gw[k * out + o] += a * y.grad[i * out + o];
                    }
            }
        });
        return y;
    }

    /** x + b for a bias row b (1 × cols), broadcast over the rows of x. */
    public static Tensor bias(Tape tape, Tensor x, Tensor b) {
        return Elementwise.addRow(tape, x, b, 1, 0);
    }
}
