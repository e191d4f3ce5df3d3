package dev.steer4j.steer.extract;

import java.util.List;

/**
 * The first principal direction of a set of rows, by power iteration on the smaller of the Gram matrix (n x n) and
 * the second-moment matrix (d x d), in double precision. Deterministic: the start vector is fixed (the row with the
 * largest norm), so equal inputs give equal outputs. The sign is arbitrary here; callers orient it.
 */
public final class Pca {
    /** Power iterations stop when the direction moves less than this (1 - |cos|). */
    static final double TOLERANCE = 1e-13;
    static final int MAX_ITERATIONS = 20_000;

    /**
     * @param direction         unit vector of width d
     * @param explainedFraction the share of the (centred or raw) second moment along it
     */
    public record Component(double[] direction, double explainedFraction, int iterations) {}

    private Pca() {}

    /**
     * The top principal direction.
     *
     * @param center subtract the mean row first (what sklearn's PCA does); without centring this is the top right
     *               singular vector of the rows
     */
    public static Component top(List<double[]> rows, boolean center) {
        int n = rows.size();
        if (n == 0) throw new IllegalArgumentException("PCA of no rows");
        int d = rows.get(0).length;
        double[][] x = new double[n][];
        double[] mean = new double[d];
        if (center) {
            for (double[] r : rows) for (int i = 0; i < d; i++) mean[i] += r[i];
            for (int i = 0; i < d; i++) mean[i] /= n;
        }
        double total = 0;
        for (int k = 0; k < n; k++) {
            double[] r = rows.get(k), c = new double[d];
            for (int i = 0; i < d; i++) { c[i] = r[i] - mean[i]; total += c[i] * c[i]; }
            x[k] = c;
        }
        if (total == 0) return new Component(new double[d], 0, 0);
        double[] dir;
        int[] iters = new int[1];
        double lambda;
        if (n <= d) {
            double[][] g = new double[n][n];
            for (int a = 0; a < n; a++) for (int b = a; b < n; b++) g[a][b] = g[b][a] = Stats.dot(x[a], x[b]);
            double[] v = power(g, start(g), iters);
            lambda = rayleigh(g, v);
            dir = new double[d];
            for (int k = 0; k < n; k++) for (int i = 0; i < d; i++) dir[i] += v[k] * x[k][i];
            dir = Stats.unit(dir);
        } else {
            double[][] c = new double[d][d];
            for (double[] r : x) for (int a = 0; a < d; a++) {
                double ra = r[a];
                if (ra == 0) continue;
                double[] ca = c[a];
                for (int b = a; b < d; b++) ca[b] += ra * r[b];
            }
            for (int a = 0; a < d; a++) for (int b = 0; b < a; b++) c[a][b] = c[b][a];
            return ofSecondMoment(c, total);
        }
        return new Component(dir, lambda / total, iters[0]);
    }

    /**
     * The top principal direction from the (centred or raw) second-moment matrix {@code sum r r^T} of the rows and
     * its trace {@code total}, by the same power iteration as {@link #top}. For callers that sum the matrix
     * elsewhere, e.g. across machines (steer4j-spark): the result equals {@link #top} on the rows to the iteration's
     * tolerance.
     */
    public static Component ofSecondMoment(double[][] c, double total) {
        if (total == 0) return new Component(new double[c.length], 0, 0);
        int[] iters = new int[1];
        double[] dir = power(c, start(c), iters);
        return new Component(dir, rayleigh(c, dir) / total, iters[0]);
    }

    /** The column of the largest diagonal entry, normalised: a deterministic start inside the matrix's range. */
    private static double[] start(double[][] m) {
        int best = 0;
        for (int i = 1; i < m.length; i++) if (m[i][i] > m[best][best]) best = i;
        double[] v = m[best].clone();
        return Stats.unit(v);
    }

    private static double[] power(double[][] m, double[] v, int[] iters) {
        int n = m.length;
        double[] w = new double[n];
        for (int it = 1; it <= MAX_ITERATIONS; it++) {
            for (int i = 0; i < n; i++) w[i] = Stats.dot(m[i], v);
            double[] next = Stats.unit(w);
            double cos = Math.abs(Stats.dot(next, v));
            v = next;
            iters[0] = it;
            if (1 - cos < TOLERANCE) break;
        }
        return v;
    }

    private static double rayleigh(double[][] m, double[] v) {
        double s = 0;
        for (int i = 0; i < m.length; i++) s += v[i] * Stats.dot(m[i], v);
        return s;
    }
}
