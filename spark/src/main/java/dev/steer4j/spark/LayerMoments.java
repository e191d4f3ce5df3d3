package dev.steer4j.spark;

import dev.steer4j.steer.extract.Method;

import java.io.Serializable;

/**
 * Mergeable sufficient statistics of one layer's samples: counts, per-class sums, per-feature sums of squares (the
 * probe's standardisation) and, for the PCA methods, the second-moment matrix of the rows PCA sees. Two partial
 * moments {@link #merge} into the moments of the union, so {@code treeAggregate} sums them across a cluster.
 */
public final class LayerMoments implements Serializable {
    final int layer;
    final int dim;
    final Method method;
    long positives;
    long negatives;
    final double[] sumPositive;
    final double[] sumNegative;
    /** Per-feature sum of squares over every sample (both classes). */
    final double[] sumSquares;
    /** PCA only: sum of r r^T over the PCA rows (row-major d x d), their sum and their count; else null. */
    final double[] second;
    final double[] rowSum;
    long rows;

    LayerMoments(int layer, int dim, Method method) {
        this.layer = layer;
        this.dim = dim;
        this.method = method;
        this.sumPositive = new double[dim];
        this.sumNegative = new double[dim];
        this.sumSquares = new double[dim];
        boolean pca = method == Method.PCA_DIFF || method == Method.PCA_CENTER;
        this.second = pca ? new double[dim * dim] : null;
        this.rowSum = pca ? new double[dim] : null;
    }

    /** Adds a block of paired samples. */
    LayerMoments add(LayerBlock b) {
        if (b.positives().length != b.negatives().length)
            throw new IllegalStateException("layer " + layer + ": unpaired block (" + b.positives().length + " vs " + b.negatives().length + ")");
        double[] r = new double[dim], r2 = new double[dim];
        for (int k = 0; k < b.positives().length; k++) {
            float[] a = b.positives()[k], n = b.negatives()[k];
            positives++;
            negatives++;
            for (int i = 0; i < dim; i++) {
                sumPositive[i] += a[i];
                sumNegative[i] += n[i];
                sumSquares[i] += (double) a[i] * a[i] + (double) n[i] * n[i];
            }
            if (method == Method.PCA_DIFF) {
                // the paired differences, uncentred (Directions.compute)
                for (int i = 0; i < dim; i++) r[i] = (double) a[i] - n[i];
                addRow(r);
            } else if (method == Method.PCA_CENTER) {
                // both prompts centred on the pair's midpoint, as Directions.compute builds them
                for (int i = 0; i < dim; i++) {
                    double c = ((double) a[i] + n[i]) / 2;
                    r[i] = a[i] - c;
                    r2[i] = n[i] - c;
                }
                addRow(r);
                addRow(r2);
            }
        }
        return this;
    }

    private void addRow(double[] r) {
        rows++;
        for (int a = 0; a < dim; a++) {
            double ra = r[a];
            rowSum[a] += ra;
            if (ra == 0) continue;
            int off = a * dim;
            for (int b = a; b < dim; b++) second[off + b] += ra * r[b];
        }
    }

    /** Adds another partial sum of the same layer into this one. */
    LayerMoments merge(LayerMoments o) {
        if (o.layer != layer || o.dim != dim) throw new IllegalStateException("merging moments of layer " + o.layer + " into layer " + layer);
        positives += o.positives;
        negatives += o.negatives;
        rows += o.rows;
        for (int i = 0; i < dim; i++) {
            sumPositive[i] += o.sumPositive[i];
            sumNegative[i] += o.sumNegative[i];
            sumSquares[i] += o.sumSquares[i];
        }
        if (second != null) {
            for (int i = 0; i < second.length; i++) second[i] += o.second[i];
            for (int i = 0; i < dim; i++) rowSum[i] += o.rowSum[i];
        }
        return this;
    }

    double[] meanPositive() { return divided(sumPositive, positives); }
    double[] meanNegative() { return divided(sumNegative, negatives); }

    /** Mean over both classes, per feature. */
    double[] mean() {
        double[] m = new double[dim];
        long n = positives + negatives;
        for (int i = 0; i < dim; i++) m[i] = (sumPositive[i] + sumNegative[i]) / n;
        return m;
    }

    /** Population variance over both classes, per feature. */
    double[] variance() {
        double[] m = mean(), v = new double[dim];
        long n = positives + negatives;
        for (int i = 0; i < dim; i++) v[i] = Math.max(0, sumSquares[i] / n - m[i] * m[i]);
        return v;
    }

    /**
     * The matrix PCA diagonalises: the raw second moment ({@code pca-diff}) or the centred one ({@code pca-center},
     * like sklearn), full and symmetric; {@code total[0]} receives its trace.
     */
    double[][] pcaMatrix(double[] total) {
        double[][] c = new double[dim][dim];
        boolean center = method == Method.PCA_CENTER;
        double[] mu = new double[dim];
        if (center) for (int i = 0; i < dim; i++) mu[i] = rowSum[i] / rows;
        double t = 0;
        for (int a = 0; a < dim; a++)
            for (int b = a; b < dim; b++) {
                double v = second[a * dim + b] - (center ? rows * mu[a] * mu[b] : 0);
                c[a][b] = c[b][a] = v;
                if (a == b) t += v;
            }
        total[0] = t;
        return c;
    }

    private static double[] divided(double[] x, long n) {
        double[] o = new double[x.length];
        for (int i = 0; i < x.length; i++) o[i] = x[i] / n;
        return o;
    }
}
