package dev.steer4j.train.grad;

import java.util.stream.IntStream;

/**
 * Causal grouped-query attention over one sequence (row t is position t): z = softmax(q·kᵀ / √d) · v per head, query
 * head h reading key/value head h / (heads / kvHeads). The attention probabilities are kept for the backward rule.
 */
public final class Attention {
    private Attention() {}

    public static Tensor causal(Tape tape, Tensor q, Tensor k, Tensor v, int heads, int kvHeads, int headDim) {
        int n = q.rows;
        int qDim = heads * headDim, kvDim = kvHeads * headDim;
        if (q.cols != qDim || k.cols != kvDim || v.cols != kvDim || k.rows != n || v.rows != n)
            throw new IllegalArgumentException("attention shapes: q " + q + ", k " + k + ", v " + v);
        int group = heads / kvHeads;
        double scale = 1 / Math.sqrt(headDim);
        double[] p = new double[heads * n * n];
        Tensor z = tape.output(n, qDim, Tape.anyGrad(q, k, v));
        IntStream.range(0, heads).parallel().forEach(h -> {
            int ko = (h / group) * headDim;
            for (int i = 0; i < n; i++) {
                int po = (h * n + i) * n;
                double max = Double.NEGATIVE_INFINITY;
                for (int t = 0; t <= i; t++) {
                    double s = 0;
                    for (int e = 0; e < headDim; e++) s += q.value[i * qDim + h * headDim + e] * k.value[t * kvDim + ko + e];
                    p[po + t] = s * scale;
                    max = Math.max(max, p[po + t]);
                }
                double sum = 0;
                for (int t = 0; t <= i; t++) { p[po + t] = Math.exp(p[po + t] - max); sum += p[po + t]; }
                for (int t = 0; t <= i; t++) p[po + t] /= sum;
                for (int t = 0; t <= i; t++)
                    for (int e = 0; e < headDim; e++) z.value[i * qDim + h * headDim + e] += p[po + t] * v.value[t * kvDim + ko + e];
            }
        });
        if (z.requiresGrad) tape.record(() -> {
            if (z.grad == null) return;
            double[] gq = q.grad(), gk = k.grad(), gv = v.grad();
            // Key/value heads are shared by a group of query heads: parallelise over kv heads so writes never race.
            IntStream.range(0, kvHeads).parallel().forEach(kh -> {
                double[] dp = new double[n];
                int ko = kh * headDim;
                for (int h = kh * group; h < (kh + 1) * group; h++)
                    for (int i = 0; i < n; i++) {
                        int po = (h * n + i) * n, zo = i * qDim + h * headDim;
                        double dot = 0;
                        for (int t = 0; t <= i; t++) {
                            double s = 0;
                            for (int e = 0; e < headDim; e++) s += z.grad[zo + e] * v.value[t * kvDim + ko + e];
                            dp[t] = s;
                            dot += p[po + t] * s;
                        }
                        for (int t = 0; t <= i; t++) {
                            double pt = p[po + t];
                            double ds = pt * (dp[t] - dot) * scale;
                            for (int e = 0; e < headDim; e++) {
                                gv[t * kvDim + ko + e] += pt * z.grad[zo + e];
                                gq[zo + e] += ds * k.value[t * kvDim + ko + e];
                                gk[t * kvDim + ko + e] += ds * q.value[zo + e];
                            }
                        }
                    }
            });
        });
        return z;
    }
}
