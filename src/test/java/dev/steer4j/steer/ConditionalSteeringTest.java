package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * CAST on the bundled model. The condition direction is the difference of the mean layer-1 activations of two
 * prompts, so prompt A scores clearly higher than prompt B; the threshold sits halfway between their scores.
 */
class ConditionalSteeringTest {
    static Model model;
    static ForwardPass fp;
    static SteeringVector behaviour;
    static int[] a, b;
    static float[] cond;
    static double scoreA, scoreB, mid;
    static final int VOCAB = 512;

    static float[] meanRows(int[] tokens, int layer) {
        float[][] rows = ActivationCache.run(fp, tokens, List.of(HookPoint.residPost(layer))).get(HookPoint.residPost(layer));
        float[] m = new float[rows[0].length];
        for (int r = 1; r < rows.length; r++) for (int i = 0; i < m.length; i++) m[i] += rows[r][i] / (rows.length - 1);
        return m;
    }

    static double cosine(float[] x, float[] d) {
        double dot = 0, nx = 0, nd = 0;
        for (int i = 0; i < x.length; i++) { dot += x[i] * d[i]; nx += x[i] * x[i]; nd += d[i] * d[i]; }
        return dot / Math.sqrt(nx * nd);
    }

    @BeforeAll
    static void load() {
        model = Model.load(stories260K());
        fp = new ForwardPass(model);
        behaviour = ControlVectorFile.read(resource("reference/stories260K/cvec-1.gguf"));
        a = model.tokenizer().encode("The little girl was very happy and she smiled");
        b = model.tokenizer().encode("The big dog ran into the dark forest at night");
        float[] ma = meanRows(a, 1), mb = meanRows(b, 1);
        cond = new float[ma.length];
        for (int i = 0; i < cond.length; i++) cond[i] = ma[i] - mb[i];
        scoreA = cosine(ma, cond);
        scoreB = cosine(mb, cond);
        mid = (scoreA + scoreB) / 2;
    }

    @AfterAll
    static void close() { model.close(); }

    static float[] logits(Steering s, int[] tokens, Steering.Applied[] keep) {
        SequenceState seq = new SequenceState(model);
        try (var ap = s.applyTo(seq)) {
            seq.setPromptLength(tokens.length);
            float[] out = Arrays.copyOf(fp.forward(seq, tokens, true), tokens.length * VOCAB);
            if (keep != null) keep[0] = ap;
            return out;
        }
    }

    Condition matchesA() { return new Condition("happy", cond, 1, mid, Condition.Comparison.ABOVE, Condition.Aggregate.MEAN); }

    @Test
    void theScoresAreSeparatedAndReportedExactly() {
        assertTrue(scoreA - scoreB > 0.2, "A " + scoreA + " vs B " + scoreB);
        Steering.Applied[] ap = new Steering.Applied[1];
        logits(Steering.none().add(behaviour, 2.5, 2, 4, HookSite.RESID_POST, PositionFilter.ALL).when(matchesA()), a, ap);
        ConditionResult r = ap[0].conditionResult();
        assertTrue(r.decided());
        assertTrue(r.active());
        assertEquals(scoreA, r.scores().get(0).score(), 1e-5);
        logits(Steering.none().add(behaviour, 2.5, 2, 4, HookSite.RESID_POST, PositionFilter.ALL).when(matchesA()), b, ap);
        assertFalse(ap[0].conditionResult().active());
        assertEquals(scoreB, ap[0].conditionResult().scores().get(0).score(), 1e-5);
    }

    @Test
    void aMatchingPromptIsSteeredInTheSamePassAndANonMatchingOneIsNot() {
        Steering always = Steering.none().add(behaviour, 2.5, 2, 4, HookSite.RESID_POST, PositionFilter.ALL);
        Steering gated = always.when(matchesA());
        float[] plainB = logits(Steering.none(), b, null);
        float[] steeredA = logits(always, a, null);
        // the condition reads layer 1 and decides at the last prompt row, before layers 2-4 run: identical logits
        assertArrayEquals(steeredA, logits(gated, a, null));
        assertArrayEquals(plainB, logits(gated, b, null));
        // and the steering is visible: the vector moves A's logits by more than 1
        assertTrue(maxAbsDiff(logits(Steering.none(), a, null), steeredA, 0) > 1.0);
        // "below" flips the decision
        Condition below = new Condition("not-happy", cond, 1, mid, Condition.Comparison.BELOW, Condition.Aggregate.MEAN);
        assertArrayEquals(logits(Steering.none(), a, null), logits(always.when(below), a, null));
        assertArrayEquals(logits(always, b, null), logits(always.when(below), b, null));
    }

    @Test
    void andOrRulesCombineConditions() {
        Steering always = Steering.none().add(behaviour, 2.5, 2, 4, HookSite.RESID_POST, PositionFilter.ALL);
        Condition never = new Condition("never", cond, 2, 1.5, Condition.Comparison.ABOVE, Condition.Aggregate.LAST); // cosine <= 1
        float[] plainA = logits(Steering.none(), a, null), steeredA = logits(always, a, null);
        Steering both = always.when(matchesA()).when(never);
        assertArrayEquals(plainA, logits(both.conditionRule(ConditionRule.AND), a, null));
        assertArrayEquals(steeredA, logits(both.conditionRule(ConditionRule.OR), a, null));
        Steering.Applied[] ap = new Steering.Applied[1];
        logits(both.conditionRule(ConditionRule.OR), a, ap);
        assertEquals(List.of(true, false), ap[0].conditionResult().scores().stream().map(ConditionResult.Score::met).toList());
    }

    @Test
    void vectorsBeforeTheConditionLayerSteerOnlyGeneratedTokens() {
        // condition at layer 3, vector at layers 1-4: during the prefill only layer 3 (after the read) and 4 steer;
        // the next token is steered at every layer against the prompt's partly steered cache.
        Condition late = new Condition("happy@3", meanDiff(3), 3, 0, Condition.Comparison.ABOVE, Condition.Aggregate.MEAN);
        Steering gated = Steering.none().add(behaviour, 2.5).when(late);
        Steering layers34 = Steering.none().add(behaviour, 2.5, 3, 4, HookSite.RESID_POST, PositionFilter.ALL);
        SequenceState seq = new SequenceState(model);
        float[] promptLogits, next;
        try (var ap = gated.applyTo(seq)) {
            seq.setPromptLength(a.length);
            promptLogits = Arrays.copyOf(fp.forward(seq, a, true), a.length * VOCAB);
            assertTrue(ap.conditionResult().active());
            next = fp.forward(seq, new int[]{42}, false).clone();
        }
        assertArrayEquals(logits(layers34, a, null), promptLogits);
        // reference for the next token: prompt with layers 3-4 steered, then the token with every layer steered
        SequenceState ref = new SequenceState(model);
        ref.setPromptLength(a.length);
        try (var ap = layers34.applyTo(ref)) { fp.forward(ref, a, false); }
        float[] want;
        try (var ap = Steering.none().add(behaviour, 2.5).applyTo(ref)) { want = fp.forward(ref, new int[]{42}, false).clone(); }
        assertArrayEquals(Arrays.copyOf(want, VOCAB), Arrays.copyOf(next, VOCAB));
    }

    @Test
    void aReusedSequenceDecidesAgainForEachPrompt() {
        Steering gated = Steering.none().add(behaviour, 2.5, 2, 4, HookSite.RESID_POST, PositionFilter.ALL).when(matchesA());
        SequenceState seq = new SequenceState(model);
        try (var ap = gated.applyTo(seq)) {
            seq.setPromptLength(a.length);
            float[] la = Arrays.copyOf(fp.forward(seq, a, true), a.length * VOCAB);
            assertTrue(ap.active());
            seq.reset();
            seq.setPromptLength(b.length);
            float[] lb = Arrays.copyOf(fp.forward(seq, b, true), b.length * VOCAB);
            assertFalse(ap.active());
            assertArrayEquals(logits(Steering.none().add(behaviour, 2.5, 2, 4, HookSite.RESID_POST, PositionFilter.ALL), a, null), la);
            assertArrayEquals(logits(Steering.none(), b, null), lb);
        }
    }

    static float[] meanDiff(int layer) {
        float[] ma = meanRows(a, layer), mb = meanRows(b, layer);
        float[] d = new float[ma.length];
        for (int i = 0; i < d.length; i++) d[i] = ma[i] - mb[i];
        return d;
    }
}
