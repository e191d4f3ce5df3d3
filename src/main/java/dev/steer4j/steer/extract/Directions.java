package dev.steer4j.steer.extract;

import java.util.ArrayList;
import java.util.List;

/** The per-layer math of every extraction method, on samples already read from the model. */
public final class Directions {
    private Directions() {}

    /**
     * @param vector    the layer's steering direction (see {@link Extraction} for the scale)
     * @param explained for PCA methods, the share of variance along the component, else NaN
     */
    public record Result(double[] vector, double explained) {}

    /**
     * Computes one layer's direction.
     *
     * @param unit            return a unit vector instead of the scaled one
     * @param l2              probe regularisation
     * @param probeIterations probe L-BFGS iteration cap
     */
    public static Result compute(Method method, Samples s, boolean unit, double l2, int probeIterations) {
        int dim = s.dim();
        double[] mp = Stats.mean(s.positives(), dim), mn = Stats.mean(s.negatives(), dim);
        double[] diff = new double[dim];
        for (int i = 0; i < dim; i++) diff[i] = mp[i] - mn[i];
        double explained = Double.NaN;
        double[] u;
        switch (method) {
            case MEAN, ACTADD -> {
                return new Result(unit ? Stats.unit(diff) : diff, explained);
            }
            case PCA_DIFF -> {
                if (!s.paired() || s.positives().size() != s.negatives().size())
                    throw new IllegalArgumentException("pca-diff needs paired samples");
                List<double[]> rows = new ArrayList<>();
                for (int k = 0; k < s.positives().size(); k++) {
                    float[] a = s.positives().get(k), b = s.negatives().get(k);
                    double[] r = new double[dim];
                    for (int i = 0; i < dim; i++) r[i] = (double) a[i] - b[i];
                    rows.add(r);
                }
                // not centred: the shared difference is the signal (llama.cpp's cvector-generator does the same)
                Pca.Component c = Pca.top(rows, false);
                u = c.direction();
                explained = c.explainedFraction();
            }
            case PCA_CENTER -> {
                List<double[]> rows = new ArrayList<>();
                if (s.paired()) {
                    for (int k = 0; k < s.positives().size(); k++) {
                        float[] a = s.positives().get(k), b = s.negatives().get(k);
                        double[] ra = new double[dim], rb = new double[dim];
                        for (int i = 0; i < dim; i++) {
                            double c = ((double) a[i] + b[i]) / 2;
                            ra[i] = a[i] - c;
                            rb[i] = b[i] - c;
                        }
                        rows.add(ra);
                        rows.add(rb);
                    }
                } else {
                    double[] c = new double[dim];
                    for (int i = 0; i < dim; i++) c[i] = (mp[i] + mn[i]) / 2;
                    for (List<float[]> side : List.of(s.positives(), s.negatives()))
                        for (float[] a : side) {
                            double[] r = new double[dim];
                            for (int i = 0; i < dim; i++) r[i] = a[i] - c[i];
                            rows.add(r);
                        }
                }
                // sklearn's PCA (which repeng uses) centres its input; for paired rows the mean is already zero
                Pca.Component c = Pca.top(rows, true);
                u = c.direction();
                explained = c.explainedFraction();
            }
            case PROBE -> u = Stats.unit(LogisticProbe.fit(s.positives(), s.negatives(), l2, probeIterations).direction());
            default -> throw new IllegalStateException(method.id);
        }
        return orient(diff, u, explained, unit);
    }

    /**
     * Orients and scales a unit direction {@code u} found from samples whose class means differ by {@code diff}
     * (the last step of {@link #compute}, public for callers that compute u from statistics summed elsewhere).
     */
    public static Result orient(double[] diff, double[] u, double explained, boolean unit) {
        int dim = u.length;
        // orient: positives must project higher than negatives (mean projection); exact ties fall back to the
        // first non-zero component being positive, so the sign never depends on anything but the data
        double along = Stats.dot(diff, u);
        if (along < 0 || (along == 0 && firstNonZero(u) < 0)) {
            for (int i = 0; i < dim; i++) u[i] = -u[i];
            along = -along;
        }
        if (unit) return new Result(u, explained);
        double[] v = new double[dim];
        for (int i = 0; i < dim; i++) v[i] = u[i] * along;
        return new Result(v, explained);
    }

    private static double firstNonZero(double[] u) {
        for (double x : u) if (x != 0) return x;
        return 0;
    }
}
