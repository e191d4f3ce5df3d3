package dev.steer4j.steer;

import dev.steer4j.runtime.Activations;
import dev.steer4j.util.Similarity;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The CAST decision of one applied steering on one sequence: reads the prompt at each condition's layer, scores it
 * (cosine with the condition direction) and opens or keeps closed every {@link SteeringKernel} of that steering.
 */
final class CastGate {
    private final Condition[] conditions;
    private final float[][] units;
    private final ConditionRule rule;
    private final double[][] sums;
    private final double[] scores;
    private final boolean[] decided;
    private final boolean[] met;
    private int promptEnd = -1;
    private boolean allDecided;
    private volatile boolean active;

    CastGate(List<Condition> cs, ConditionRule rule, int dim) {
        this.conditions = cs.toArray(Condition[]::new);
        this.rule = rule;
        int n = conditions.length;
        this.units = new float[n][];
        for (int i = 0; i < n; i++) units[i] = Steering.unit(conditions[i].direction(), "condition direction");
        this.sums = new double[n][dim];
        this.scores = new double[n];
        this.decided = new boolean[n];
        this.met = new boolean[n];
        reset();
    }

    boolean active() { return active; }

    private void reset() {
        for (int i = 0; i < conditions.length; i++) {
            Arrays.fill(sums[i], 0);
            scores[i] = Double.NaN;
            decided[i] = false;
            met[i] = false;
        }
        promptEnd = -1;
        allDecided = false;
        active = false;
    }

    /** Runs first in every forward pass (hook_embed): a call starting at position 0 is a new prompt. */
    void start(Activations a) {
        if (a.rows() == 0) return;
        if (a.position(0) == 0) reset();
        if (promptEnd < 0 && !allDecided) {
            int pl = a.promptLength();
            promptEnd = pl > 0 ? pl : a.position(a.rows() - 1) + 1;
        }
    }

    void read(int ci, Activations a) {
        if (decided[ci] || promptEnd < 0) return;
        Condition c = conditions[ci];
        int w = a.width();
        float[] d = a.data();
        double[] sum = sums[ci];
        for (int r = 0, rows = a.rows(); r < rows; r++) {
            int pos = a.position(r);
            if (pos >= promptEnd) break;
            boolean last = pos == promptEnd - 1;
            boolean use = c.aggregate() == Condition.Aggregate.LAST ? last : (pos > 0 || promptEnd == 1);
            if (use) {
                int off = a.offset(r);
                if (c.aggregate() == Condition.Aggregate.LAST) Arrays.fill(sum, 0);
                for (int i = 0; i < w; i++) sum[i] += d[off + i];
            }
            if (last) {
                scores[ci] = Similarity.cosine(sum, units[ci]);
                met[ci] = c.met(scores[ci]);
                decided[ci] = true;
                decideIfReady();
                break;
            }
        }
    }

    private void decideIfReady() {
        for (boolean b : decided) if (!b) return;
        allDecided = true;
        active = rule.combine(met);
    }

    ConditionResult result() {
        List<ConditionResult.Score> s = new ArrayList<>();
        for (int i = 0; i < conditions.length; i++) {
            Condition c = conditions[i];
            s.add(new ConditionResult.Score(c.name(), c.layer(), c.threshold(), c.comparison(), scores[i], met[i]));
        }
        return new ConditionResult(allDecided, active, rule, s);
    }
}
