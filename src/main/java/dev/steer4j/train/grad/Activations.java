package dev.steer4j.train.grad;

/** The MLP non-linearities: SwiGLU (silu(g) ⊙ u), GELU (tanh form, as ggml computes it) and ReLU. */
public final class Activations {
    private static final double GELU_C = Math.sqrt(2 / Math.PI);

    private Activations() {}

    /** silu(g) ⊙ u, same shapes. */
    public static Tensor swiglu(Tape tape, Tensor g, Tensor u) {
        Elementwise.sameShape(g, u, "swiglu");
        Tensor y = tape.output(g.rows, g.cols, Tape.anyGrad(g, u));
        for (int i = 0; i < y.value.length; i++) {
            double x = g.value[i];
            y.value[i] = x * Elementwise.sigmoid(x) * u.value[i];
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] gg = g.requiresGrad ? g.grad() : null, gu = u.requiresGrad ? u.grad() : null;
            for (int i = 0; i < y.value.length; i++) {
                double x = g.value[i], s = Elementwise.sigmoid(x);
                if (gg != null) gg[i] += y.grad[i] * u.value[i] * s * (1 + x * (1 - s));
                if (gu != null) gu[i] += y.grad[i] * x * s;
            }
        });
        return y;
    }

    /** 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))). */
    public static Tensor gelu(Tape tape, Tensor a) {
        Tensor y = tape.output(a.rows, a.cols, a.requiresGrad);
        for (int i = 0; i < y.value.length; i++) {
            double x = a.value[i];
            y.value[i] = 0.5 * x * (1 + Math.tanh(GELU_C * (x + 0.044715 * x * x * x)));
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] g = a.grad();
            for (int i = 0; i < g.length; i++) {
                double x = a.value[i], u = GELU_C * (x + 0.044715 * x * x * x), t = Math.tanh(u);
                double du = GELU_C * (1 + 3 * 0.044715 * x * x);
                g[i] += y.grad[i] * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du);
            }
        });
        return y;
    }

    /** max(0, x). */
    public static Tensor relu(Tape tape, Tensor a) {
        Tensor y = tape.output(a.rows, a.cols, a.requiresGrad);
        for (int i = 0; i < y.value.length; i++) y.value[i] = Math.max(0, a.value[i]);
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] g = a.grad();
            for (int i = 0; i < g.length; i++) if (a.value[i] > 0) g[i] += y.grad[i];
        });
        return y;
    }
}
