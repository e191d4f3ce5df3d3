package dev.steer4j.train.grad;

/** Element-wise and broadcasting ops, sums and row selection, with their backward rules. */
public final class Elementwise {
    private Elementwise() {}

    /** a + b, same shape. */
    public static Tensor add(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b, "add");
        Tensor y = tape.output(a.rows, a.cols, Tape.anyGrad(a, b));
        for (int i = 0; i < y.value.length; i++) y.value[i] = a.value[i] + b.value[i];
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            if (a.requiresGrad) accumulate(a.grad(), y.grad, 1);
            if (b.requiresGrad) accumulate(b.grad(), y.grad, 1);
        });
        return y;
    }

    /** a - b, same shape. */
    public static Tensor sub(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b, "sub");
        Tensor y = tape.output(a.rows, a.cols, Tape.anyGrad(a, b));
        for (int i = 0; i < y.value.length; i++) y.value[i] = a.value[i] - b.value[i];
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            if (a.requiresGrad) accumulate(a.grad(), y.grad, 1);
            if (b.requiresGrad) accumulate(b.grad(), y.grad, -1);
        });
        return y;
    }

    /** a ⊙ b, same shape. */
    public static Tensor mul(Tape tape, Tensor a, Tensor b) {
        sameShape(a, b, "mul");
        Tensor y = tape.output(a.rows, a.cols, Tape.anyGrad(a, b));
        for (int i = 0; i < y.value.length; i++) y.value[i] = a.value[i] * b.value[i];
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            if (a.requiresGrad) { double[] g = a.grad(); for (int i = 0; i < g.length; i++) g[i] += y.grad[i] * b.value[i]; }
            if (b.requiresGrad) { double[] g = b.grad(); for (int i = 0; i < g.length; i++) g[i] += y.grad[i] * a.value[i]; }
        });
        return y;
    }

    /** s · a. */
    public static Tensor scale(Tape tape, Tensor a, double s) {
        Tensor y = tape.output(a.rows, a.cols, a.requiresGrad);
        for (int i = 0; i < y.value.length; i++) y.value[i] = s * a.value[i];
        if (y.requiresGrad) tape.record(() -> { if (y.grad != null) accumulate(a.grad(), y.grad, s); });
        return y;
    }

    /**
     * x + s · v on rows {@code fromRow..} of x, where v is one row broadcast over them (a steering vector added at
     * every position from {@code fromRow} on); rows before {@code fromRow} pass through.
     */
    public static Tensor addRow(Tape tape, Tensor x, Tensor v, double s, int fromRow) {
        if (v.rows != 1 || v.cols != x.cols) throw new IllegalArgumentException("addRow: " + v + " does not broadcast over " + x);
        Tensor y = tape.output(x.rows, x.cols, Tape.anyGrad(x, v));
        int d = x.cols;
        System.arraycopy(x.value, 0, y.value, 0, x.value.length);
        for (int r = Math.max(0, fromRow); r < x.rows; r++)
            for (int j = 0; j < d; j++) y.value[r * d + j] += s * v.value[j];
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            if (x.requiresGrad) accumulate(x.grad(), y.grad, 1);
            if (v.requiresGrad) {
                double[] g = v.grad();
                for (int r = Math.max(0, fromRow); r < x.rows; r++)
                    for (int j = 0; j < d; j++) g[j] += s * y.grad[r * d + j];
            }
        });
        return y;
    }

    /** The sum of every element, as a 1 x 1 tensor. */
    public static Tensor sum(Tape tape, Tensor a) {
        Tensor y = tape.output(1, 1, a.requiresGrad);
        double s = 0;
        for (double v : a.value) s += v;
        y.value[0] = s;
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double g = y.grad[0];
            double[] ga = a.grad();
            for (int i = 0; i < ga.length; i++) ga[i] += g;
        });
        return y;
    }

    /** The mean of the squared elements. */
    public static Tensor meanSquare(Tape tape, Tensor a) {
        Tensor y = tape.output(1, 1, a.requiresGrad);
        double s = 0;
        for (double v : a.value) s += v * v;
        int n = a.value.length;
        y.value[0] = s / n;
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double g = y.grad[0] * 2.0 / n;
            double[] ga = a.grad();
            for (int i = 0; i < ga.length; i++) ga[i] += g * a.value[i];
        });
        return y;
    }

    /** log σ(a), element-wise, computed stably. */
    public static Tensor logSigmoid(Tape tape, Tensor a) {
        Tensor y = tape.output(a.rows, a.cols, a.requiresGrad);
        for (int i = 0; i < y.value.length; i++) {
            double x = a.value[i];
            y.value[i] = x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x));
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] g = a.grad();
            for (int i = 0; i < g.length; i++) g[i] += y.grad[i] * (1 - sigmoid(a.value[i]));
        });
        return y;
    }

    /** The rows of x at the given indices, in order (a gather). */
    public static Tensor rows(Tape tape, Tensor x, int[] index) {
        int d = x.cols;
        Tensor y = tape.output(index.length, d, x.requiresGrad);
        for (int i = 0; i < index.length; i++) {
            if (index[i] < 0 || index[i] >= x.rows) throw new IndexOutOfBoundsException("row " + index[i] + " of " + x);
            System.arraycopy(x.value, index[i] * d, y.value, i * d, d);
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] g = x.grad();
            for (int i = 0; i < index.length; i++)
                for (int j = 0; j < d; j++) g[index[i] * d + j] += y.grad[i * d + j];
        });
        return y;
    }

    static double sigmoid(double x) {
        return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
    }

    static void accumulate(double[] into, double[] g, double s) {
        for (int i = 0; i < into.length; i++) into[i] += s * g[i];
    }

    static void sameShape(Tensor a, Tensor b, String op) {
        if (a.rows != b.rows || a.cols != b.cols) throw new IllegalArgumentException(op + ": shapes differ, " + a + " and " + b);
    }
}
