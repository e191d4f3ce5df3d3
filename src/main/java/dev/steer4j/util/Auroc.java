package dev.steer4j.util;

import java.util.Arrays;

/** Area under the ROC curve of scores that should rank positives above negatives (detect, extract, guard reports). */
public final class Auroc {
    private Auroc() {}

    /**
     * The probability that a random positive scores above a random negative, ties counting one half (the
     * Mann–Whitney U statistic divided by {@code |pos| · |neg|}). 1 is a perfect separation, 0.5 chance, 0 a perfect
     * separation the other way round.
     */
    public static double of(double[] positive, double[] negative) {
        if (positive.length == 0 || negative.length == 0)
            throw new IllegalArgumentException("AUROC needs at least one positive and one negative (got " + positive.length + " and " + negative.length + ")");
        int n = positive.length + negative.length;
        double[] all = new double[n];
        boolean[] pos = new boolean[n];
        Integer[] order = new Integer[n];
        for (int i = 0; i < positive.length; i++) { all[i] = positive[i]; pos[i] = true; }
        for (int i = 0; i < negative.length; i++) all[positive.length + i] = negative[i];
        for (int i = 0; i < n; i++) {
            if (Double.isNaN(all[i])) throw new IllegalArgumentException("score " + i + " is NaN");
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(all[a], all[b]));
        double rankSumPos = 0;
        for (int i = 0; i < n; ) {
            int j = i;
            while (j + 1 < n && all[order[j + 1]] == all[order[i]]) j++;
            double rank = (i + j) / 2.0 + 1; // average 1-based rank of the tie group
            for (int k = i; k <= j; k++) if (pos[order[k]]) rankSumPos += rank;
            i = j + 1;
        }
        double u = rankSumPos - positive.length * (positive.length + 1) / 2.0;
        return u / ((double) positive.length * negative.length);
    }
}
