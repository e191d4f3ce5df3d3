package dev.steer4j.steer.extract;

import dev.steer4j.util.Similarity;
import java.util.Arrays;
import java.util.List;

/** Small statistics used by extraction: means, projections, AUROC and pooled standard deviations. */
public final class Stats {
    private Stats() {}

    /** Mean of rows, in double precision. */
    public static double[] mean(List<float[]> rows, int dim) {
        double[] m = new double[dim];
        for (float[] r : rows) for (int i = 0; i < dim; i++) m[i] += r[i];
        for (int i = 0; i < dim; i++) m[i] /= rows.size();
        return m;
    }

    public static double dot(float[] a, double[] b) {
        return Similarity.dot(b, a);
    }

    public static double dot(double[] a, double[] b) {
        return Similarity.dot(a, b);
    }

    public static double norm(double[] a) { return Similarity.norm(a); }

    /** a / |a|, or zeros for a zero vector. */
    public static double[] unit(double[] a) {
        double n = norm(a);
        double[] u = new double[a.length];
        if (n > 0) for (int i = 0; i < a.length; i++) u[i] = a[i] / n;
        return u;
    }

    public static double[] project(List<float[]> rows, double[] direction) {
        double[] out = new double[rows.size()];
        for (int i = 0; i < out.length; i++) out[i] = dot(rows.get(i), direction);
        return out;
    }

    public static double mean(double[] x) {
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /**
     * (mean(pos) - mean(neg)) / pooled standard deviation, Cohen's d. With a single example per class (no spread)
     * the pooled deviation is zero and the result is +-infinity (or 0 when the means agree).
     */
    public static double standardizedDifference(double[] pos, double[] neg) {
        double mp = mean(pos), mn = mean(neg);
        double ssp = 0, ssn = 0;
        for (double v : pos) ssp += (v - mp) * (v - mp);
        for (double v : neg) ssn += (v - mn) * (v - mn);
        int dof = pos.length + neg.length - 2;
        double pooled = dof > 0 ? Math.sqrt((ssp + ssn) / dof) : 0;
        double diff = mp - mn;
        if (pooled == 0) return diff == 0 ? 0 : Math.copySign(Double.POSITIVE_INFINITY, diff);
        return diff / pooled;
    }
}
