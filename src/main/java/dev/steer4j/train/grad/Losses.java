package dev.steer4j.train.grad;

/** Log-likelihoods of target tokens, cross-entropy and the row-wise cosine similarity the representation losses use. */
public final class Losses {
    private Losses() {}

    /**
     * log softmax(logits[rows[i]])[targets[i]] for each i, as an (n × 1) tensor: the teacher-forced log-probability
     * of each target token.
     */
    public static Tensor logProbs(Tape tape, Tensor logits, int[] rows, int[] targets) {
        if (rows.length != targets.length) throw new IllegalArgumentException(rows.length + " rows but " + targets.length + " targets");
        int v = logits.cols, n = rows.length;
        Tensor y = tape.output(n, 1, logits.requiresGrad);
        double[] lse = new double[n];
        for (int i = 0; i < n; i++) {
            int o = rows[i] * v;
            if (targets[i] < 0 || targets[i] >= v) throw new IndexOutOfBoundsException("target token " + targets[i] + " outside 0-" + (v - 1));
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < v; j++) max = Math.max(max, logits.value[o + j]);
            double s = 0;
            for (int j = 0; j < v; j++) s += Math.exp(logits.value[o + j] - max);
            lse[i] = max + Math.log(s);
            y.value[i] = logits.value[o + targets[i]] - lse[i];
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] g = logits.grad();
            for (int i = 0; i < n; i++) {
                int o = rows[i] * v;
                double gi = y.grad[i];
                if (gi == 0) continue;
                for (int j = 0; j < v; j++) g[o + j] -= gi * Math.exp(logits.value[o + j] - lse[i]);
                g[o + targets[i]] += gi;
            }
        });
        return y;
    }

    /** Mean negative log-likelihood of the targets: the usual language-model loss. */
    public static Tensor crossEntropy(Tape tape, Tensor logits, int[] rows, int[] targets) {
        Tensor lp = logProbs(tape, logits, rows, targets);
        return Elementwise.scale(tape, Elementwise.sum(tape, lp), -1.0 / rows.length);
    }

    /** cos(a_r, b_r) for each row r, as an (n × 1) tensor. */
    public static Tensor cosineRows(Tape tape, Tensor a, Tensor b) {
        Elementwise.sameShape(a, b, "cosine");
        int n = a.rows, d = a.cols;
        Tensor y = tape.output(n, 1, Tape.anyGrad(a, b));
        double[] na = new double[n], nb = new double[n];
        for (int r = 0; r < n; r++) {
            double ab = 0, aa = 0, bb = 0;
            for (int j = 0; j < d; j++) {
                double x = a.value[r * d + j], z = b.value[r * d + j];
                ab += x * z; aa += x * x; bb += z * z;
            }
            na[r] = Math.sqrt(aa);
            nb[r] = Math.sqrt(bb);
            y.value[r] = ab / Math.max(na[r] * nb[r], 1e-300);
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            for (int r = 0; r < n; r++) {
                double g = y.grad[r], c = y.value[r], denom = Math.max(na[r] * nb[r], 1e-300);
                for (int j = 0; j < d; j++) {
                    double x = a.value[r * d + j], z = b.value[r * d + j];
                    if (a.requiresGrad) a.grad()[r * d + j] += g * (z / denom - c * x / (na[r] * na[r]));
                    if (b.requiresGrad) b.grad()[r * d + j] += g * (x / denom - c * z / (nb[r] * nb[r]));
                }
            }
        });
        return y;
    }

    /** ‖a_r‖₂ for each row r, as an (n × 1) tensor. At a zero row the gradient is taken as zero (a subgradient). */
    public static Tensor normRows(Tape tape, Tensor a) {
        int n = a.rows, d = a.cols;
        Tensor y = tape.output(n, 1, a.requiresGrad);
        for (int r = 0; r < n; r++) {
            double ss = 0;
            for (int j = 0; j < d; j++) ss += a.value[r * d + j] * a.value[r * d + j];
            y.value[r] = Math.sqrt(ss);
        }
        if (y.requiresGrad) tape.record(() -> {
            if (y.grad == null) return;
            double[] g = a.grad();
            for (int r = 0; r < n; r++) {
                if (y.value[r] == 0) continue;
                double s = y.grad[r] / y.value[r];
                for (int j = 0; j < d; j++) g[r * d + j] += s * a.value[r * d + j];
            }
        });
        return y;
    }
}
