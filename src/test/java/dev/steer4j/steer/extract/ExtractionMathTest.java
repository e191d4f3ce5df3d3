package dev.steer4j.steer.extract;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The per-layer math on synthetic data with known answers. */
class ExtractionMathTest {

    private static double cos(double[] a, double[] b) { return Stats.dot(a, b) / (Stats.norm(a) * Stats.norm(b)); }

    @Test
    void pcaFindsTheKnownTopComponentAndItsVarianceShare() {
        // centred 2-D rows: variance 18 along x, 2 along y
        List<double[]> rows = List.of(new double[]{3, 0}, new double[]{-3, 0}, new double[]{0, 1}, new double[]{0, -1});
        Pca.Component c = Pca.top(rows, true);
        assertEquals(1.0, Math.abs(c.direction()[0]), 1e-12);
        assertEquals(0.0, c.direction()[1], 1e-12);
        assertEquals(18.0 / 20.0, c.explainedFraction(), 1e-12);
        // uncentred PCA of rows that all point one way finds that way; centring removes it
        List<double[]> shifted = new ArrayList<>();
        for (double[] r : rows) shifted.add(new double[]{r[0] / 10, 5 + r[1]});
        assertEquals(1.0, Math.abs(Pca.top(shifted, false).direction()[1]), 1e-3);
        assertEquals(1.0, Math.abs(Pca.top(shifted, true).direction()[1]), 1e-12); // y still dominates the centred spread (2 vs 0.18)
    }

    @Test
    void pcaGramAndCovariancePathsAgree() {
        Random r = new Random(1);
        int d = 12;
        double[] e = new double[d];
        e[2] = 0.6; e[7] = -0.8;
        List<double[]> few = new ArrayList<>(), many = new ArrayList<>();
        for (int k = 0; k < 40; k++) {
            double a = 3 * r.nextGaussian();
            double[] row = new double[d];
            for (int i = 0; i < d; i++) row[i] = a * e[i] + 0.3 * r.nextGaussian();
            many.add(row);
            if (k < 8) few.add(row);
        }
        // n > d uses the d x d matrix, n <= d the Gram matrix; both must find e
        assertTrue(Math.abs(cos(Pca.top(many, true).direction(), e)) > 0.99);
        assertTrue(Math.abs(cos(Pca.top(few, true).direction(), e)) > 0.95);
        double[] a = Pca.top(many.subList(0, 12), false).direction(), b = Pca.top(many.subList(0, 11), false).direction();
        assertTrue(Math.abs(cos(a, b)) > 0.99);
        // deterministic: same input, bit-identical output
        assertArrayEquals(Pca.top(many, true).direction(), Pca.top(many, true).direction());
    }

    /** Positives = base + shift * e + noise, negatives = base - shift * e + noise, one base per pair. */
    private static Samples synthetic(double[] e, int pairs, double shift, long seed, boolean swap) {
        Random r = new Random(seed);
        int d = e.length;
        List<float[]> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (int k = 0; k < pairs; k++) {
            double[] base = new double[d];
            for (int i = 0; i < d; i++) base[i] = 2 * r.nextGaussian();
            float[] p = new float[d], n = new float[d];
            for (int i = 0; i < d; i++) {
                p[i] = (float) (base[i] + shift * e[i] + 0.2 * r.nextGaussian());
                n[i] = (float) (base[i] - shift * e[i] + 0.2 * r.nextGaussian());
            }
            pos.add(p);
            neg.add(n);
        }
        return swap ? new Samples(0, neg, pos, true) : new Samples(0, pos, neg, true);
    }

    @Test
    void everyMethodOrientsTowardThePositives() {
        double[] e = new double[16];
        e[3] = 1;
        for (Method m : Method.values()) {
            for (boolean swap : new boolean[]{false, true}) {
                Samples s = synthetic(e, 200, 0.5, 7, swap); // enough pairs that the probe is not fitting noise in 16 dims
                double[] v = Directions.compute(m, s, false, LogisticProbe.DEFAULT_L2, 500).vector();
                // the sign convention: positives project higher than negatives
                double[] pp = Stats.project(s.positives(), v), pn = Stats.project(s.negatives(), v);
                assertTrue(Stats.mean(pp) > Stats.mean(pn), m + " swap=" + swap);
                // and the direction is the planted one, with the sign that follows the labels
                double c = cos(v, e);
                assertTrue(swap ? c < -0.9 : c > 0.9, m + " swap=" + swap + " cos=" + c);
            }
        }
    }

    @Test
    void pcaDiffAndPairedPcaCenterFindTheSameDirection() {
        // repeng's pca_center on pairs is PCA of (+-diff/2) rows, i.e. the uncentred PCA of the differences
        double[] e = new double[10];
        e[0] = 1; e[1] = 1;
        Samples s = synthetic(e, 20, 0.4, 3, false);
        double[] a = Directions.compute(Method.PCA_DIFF, s, true, 0, 0).vector();
        double[] b = Directions.compute(Method.PCA_CENTER, s, true, 0, 0).vector();
        assertEquals(1.0, cos(a, b), 1e-9);
    }

    @Test
    void scaledVectorsCarryTheClassDistanceAlongTheirDirection() {
        double[] e = new double[8];
        e[5] = 1;
        Samples s = synthetic(e, 25, 0.7, 11, false);
        double[] mean = Directions.compute(Method.MEAN, s, false, 0, 0).vector();
        for (Method m : List.of(Method.PCA_DIFF, Method.PCA_CENTER, Method.PROBE)) {
            double[] v = Directions.compute(m, s, false, LogisticProbe.DEFAULT_L2, 500).vector();
            double[] u = Stats.unit(v);
            assertEquals(Stats.dot(mean, u), Stats.norm(v), 1e-9, m.id);
            assertEquals(1.0, Stats.norm(Directions.compute(m, s, true, LogisticProbe.DEFAULT_L2, 500).vector()), 1e-12);
        }
    }

    @Test
    void probeSeparatesASeparableSetEvenWhenUnbalanced() {
        Random r = new Random(42);
        int d = 20;
        double[] w = new double[d];
        w[0] = 1; w[3] = 1;
        w = Stats.unit(w);
        List<float[]> pos = new ArrayList<>(), neg = new ArrayList<>();
        while (pos.size() < 40 || neg.size() < 160) {
            float[] x = new float[d];
            for (int i = 0; i < d; i++) x[i] = (float) (r.nextGaussian() * (i % 2 == 0 ? 3 : 1)); // unequal feature scales
            double t = Stats.dot(x, w);
            if (Math.abs(t) < 1.0) continue; // a margin of 1 around the boundary: linearly separable
            if (t > 0 && pos.size() < 40) pos.add(x);
            else if (t < 0 && neg.size() < 160) neg.add(x);
        }
        LogisticProbe.Fit fit = LogisticProbe.fit(pos, neg, 1e-3, 1000);
        double[] lp = new double[pos.size()], ln = new double[neg.size()];
        for (int i = 0; i < lp.length; i++) lp[i] = fit.logit(pos.get(i));
        for (int i = 0; i < ln.length; i++) ln[i] = fit.logit(neg.get(i));
        assertEquals(1.0, dev.steer4j.util.Auroc.of(lp, ln), 0.0, "training AUROC");
        for (double x : lp) assertTrue(x > 0, "every positive classified positive");
        for (double x : ln) assertTrue(x < 0, "every negative classified negative");
        assertTrue(cos(fit.direction(), w) > 0.9, "cos to the true normal " + cos(fit.direction(), w));
        assertTrue(fit.converged());
    }

    @Test
    void aurocAndStandardizedDifference() {
        assertEquals(1.0, dev.steer4j.util.Auroc.of(new double[]{1, 2, 3}, new double[]{0, 0.5}), 0);
        assertEquals(0.0, dev.steer4j.util.Auroc.of(new double[]{0}, new double[]{1}), 0);
        assertEquals(0.5, dev.steer4j.util.Auroc.of(new double[]{1}, new double[]{1}), 0);
        // pos {1,3}, neg {2,0}: pairs (1>0) (1<2) (3>2) (3>0) -> 3/4
        assertEquals(0.75, dev.steer4j.util.Auroc.of(new double[]{1, 3}, new double[]{2, 0}), 0);
        // means 2 and 1, pooled sd sqrt((2 + 2) / 2)
        assertEquals(1 / Math.sqrt(2), Stats.standardizedDifference(new double[]{1, 3}, new double[]{0, 2}), 1e-12);
        assertEquals(Double.POSITIVE_INFINITY, Stats.standardizedDifference(new double[]{2}, new double[]{1}));
    }
}
