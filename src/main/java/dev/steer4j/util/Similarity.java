package dev.steer4j.util;

/**
 * Dot products, norms and cosines accumulated in double precision: the one implementation that steering, reading,
 * the guard, extraction and the server use for projections and scores (the forward pass's float SIMD kernels are
 * {@code tensor.VectorMath}).
 */
public final class Similarity {
    private Similarity() {}

    /** a[aOff..aOff+n) · b[0..n), accumulated in double. */
    public static double dot(float[] a, int aOff, float[] b, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[aOff + i] * b[i];
        return s;
    }

    public static double dot(float[] a, float[] b) {
        checkWidths(a.length, b.length);
        return dot(a, 0, b, a.length);
    }

    public static double dot(double[] a, float[] b) {
        checkWidths(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    public static double dot(double[] a, double[] b) {
        checkWidths(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }

    /** The L2 norm of a[off..off+n). */
    public static double norm(float[] a, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) a[off + i] * a[off + i];
        return Math.sqrt(s);
    }

    public static double norm(float[] a) { return norm(a, 0, a.length); }

    public static double norm(double[] a) { return Math.sqrt(dot(a, a)); }

    /** cos(a, b); 0 when either is the zero vector. */
    public static double cosine(float[] a, float[] b) {
        double na = norm(a), nb = norm(b);
        return na == 0 || nb == 0 ? 0 : dot(a, b) / (na * nb);
    }

    /** cos(a, b); 0 when either is the zero vector. */
    public static double cosine(double[] a, float[] b) {
        double na = norm(a), nb = norm(b);
        return na == 0 || nb == 0 ? 0 : dot(a, b) / (na * nb);
    }

    private static void checkWidths(int a, int b) {
        if (a != b) throw new IllegalArgumentException("widths differ: " + a + " vs " + b);
    }
}
