package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Composition, positions, clamp and keep-norm on the bundled model. */
class SteeringModesTest {
    static Model model;
    static ForwardPass fp;
    static SteeringVector v0, v1;
    static final int[] TOKENS = {1, 403, 407, 261, 378};
    static final int VOCAB = 512;

    @BeforeAll
    static void load() {
        model = Model.load(stories260K());
        fp = new ForwardPass(model);
        v0 = ControlVectorFile.read(resource("reference/stories260K/cvec-0.gguf"));
        v1 = ControlVectorFile.read(resource("reference/stories260K/cvec-1.gguf"));
    }

    @AfterAll
    static void close() { model.close(); }

    /** Prompt logits (all rows) then {@code extra} greedy steps' logits, concatenated. */
    static float[] run(Steering s, int extra) {
        SequenceState seq = new SequenceState(model);
        try (var a = s.applyTo(seq)) {
            seq.setPromptLength(TOKENS.length);
            float[] out = Arrays.copyOf(fp.forward(seq, TOKENS, true), (TOKENS.length + extra) * VOCAB);
            for (int i = 0; i < extra; i++) {
                int prev = argmax(out, (TOKENS.length + i - 1) * VOCAB, VOCAB);
                System.arraycopy(fp.forward(seq, new int[]{prev}, false), 0, out, (TOKENS.length + i) * VOCAB, VOCAB);
            }
            return out;
        }
    }

    static float[] rows(float[] all, int from, int to) { return Arrays.copyOfRange(all, from * VOCAB, to * VOCAB); }

    @Test
    void severalVectorsSumLikeOnePrecombinedVector() {
        float[] two = run(Steering.none().add(v0, 0.7).add(v1, -1.3), 0);
        float[] one = run(Steering.none().add(v0.scale(0.7).plus(v1.scale(-1.3)), 1.0), 0);
        assertArrayEquals(one, two);
        assertTrue(maxAbsDiff(run(Steering.none(), 0), two, 0) > 0.1);
    }

    @Test
    void positionFiltersSplitPromptFromGenerated() {
        int extra = 3;
        float[] plain = run(Steering.none(), extra);
        float[] all = run(Steering.none().add(v1, 2.5), extra);
        float[] prompt = run(Steering.none().add(v1, 2.5, 1, 4, HookSite.RESID_POST, PositionFilter.PROMPT), extra);
        float[] gen = run(Steering.none().add(v1, 2.5, 1, 4, HookSite.RESID_POST, PositionFilter.GENERATED), extra);
        float[] from3 = run(Steering.none().add(v1, 2.5, 1, 4, HookSite.RESID_POST, PositionFilter.from(3)), extra);
        int p = TOKENS.length;
        // prompt-only: the prompt rows equal fully steered ones; generated-only: the prompt rows are untouched
        assertArrayEquals(rows(all, 0, p), rows(prompt, 0, p));
        assertArrayEquals(rows(plain, 0, p), rows(gen, 0, p));
        // from:3 leaves positions 0-2 alone and steers 3-4 like "all" (rows 0-2 cannot see later rows)
        assertArrayEquals(rows(plain, 0, 3), rows(from3, 0, 3));
        assertTrue(maxAbsDiff(rows(plain, 3, p), rows(from3, 3, p), 0) > 0.1);
        // the generated rows of prompt-only differ from fully steered ones (margin: the vector at 2.5 moves logits by > 1)
        assertTrue(maxAbsDiff(rows(all, p, p + extra), rows(prompt, p, p + extra), 0) > 0.1);
        assertTrue(maxAbsDiff(rows(plain, p, p + extra), rows(gen, p, p + extra), 0) > 0.1);
    }

    @Test
    void positionFilterParsing() {
        assertEquals(PositionFilter.ALL, PositionFilter.parse("all"));
        assertEquals(PositionFilter.GENERATED, PositionFilter.parse("Generated"));
        assertEquals(PositionFilter.from(7), PositionFilter.parse("from:7"));
        assertEquals("positions 'from:x': K in from:K must be an integer >= 0, got 'x'", assertThrows(IllegalArgumentException.class, () -> PositionFilter.parse("from:x")).getMessage());
        assertEquals("positions 'last': expected all, prompt, generated or from:K", assertThrows(IllegalArgumentException.class, () -> PositionFilter.parse("last")).getMessage());
        assertTrue(PositionFilter.PROMPT.test(4, 5));
        assertFalse(PositionFilter.PROMPT.test(5, 5));
        assertTrue(PositionFilter.GENERATED.test(5, 5));
    }

    /** resid_post rows of {@code layer} after the steering (the capture hook runs after it). */
    static float[][] capture(Steering s, int layer) {
        SequenceState seq = new SequenceState(model);
        float[][] steered = new float[TOKENS.length][];
        try (var a = s.applyTo(seq); var r = seq.hooks().add(HookPoint.residPost(layer), x -> {
            for (int i = 0; i < x.rows(); i++) steered[x.position(i)] = x.copyRow(i);
        })) {
            fp.forward(seq, TOKENS, false);
        }
        return steered;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    @Test
    void clampSetsTheProjection() {
        float[] u = Steering.unit(v1.get(2), "d");
        float[][] rows = capture(Steering.none().clamp(v1, 3.0, 2, 2, HookSite.RESID_POST, PositionFilter.ALL), 2);
        float[][] plain = capture(Steering.none(), 2);
        for (int i = 0; i < rows.length; i++) {
            assertEquals(3.0, dot(rows[i], u), 1e-4, "position " + i);
            // the orthogonal complement is untouched
            for (int j = 0; j < u.length; j++) {
                double a = rows[i][j] - dot(rows[i], u) * u[j], b = plain[i][j] - dot(plain[i], u) * u[j];
                assertEquals(b, a, 1e-4);
            }
        }
    }

    @Test
    void keepNormRestoresEveryRowsNorm() {
        float[][] plain = capture(Steering.none(), 3);
        float[][] kept = capture(Steering.none().add(v1, 4.0).keepNorm(true), 3);
        float[][] raw = capture(Steering.none().add(v1, 4.0), 3);
        for (int i = 0; i < plain.length; i++) {
            double np = SteeringVector.norm(plain[i]);
            // rows differ from the unsteered ones...
            assertTrue(maxAbsDiff(plain[i], kept[i], 0) > 0.1);
            assertTrue(Math.abs(SteeringVector.norm(raw[i]) - np) > 1e-2, "without keep-norm the norm changes");
        }
        // keep-norm restores the norm the row had just before the steering at the same point (earlier layers were
        // steered too), so read it with a hook registered before the steering; relative 1e-5: one float rescale
        SequenceState seq = new SequenceState(model);
        double[] before = new double[TOKENS.length], after = new double[TOKENS.length];
        // a hook registered before the steering sees the row before it is steered
        try (var pre = seq.hooks().add(HookPoint.residPost(3), x -> { for (int i = 0; i < x.rows(); i++) before[x.position(i)] = SteeringVector.norm(x.copyRow(i)); });
             var a = Steering.none().add(v1, 4.0).keepNorm(true).applyTo(seq);
             var post = seq.hooks().add(HookPoint.residPost(3), x -> { for (int i = 0; i < x.rows(); i++) after[x.position(i)] = SteeringVector.norm(x.copyRow(i)); })) {
            fp.forward(seq, TOKENS, false);
        }
        for (int i = 0; i < TOKENS.length; i++) assertEquals(before[i], after[i], 1e-5 * before[i], "position " + i);
    }

    @Test
    void badArgumentsAreRefused() {
        assertEquals("layer range 3-1 is empty or negative", assertThrows(IllegalArgumentException.class, () -> Steering.none().add(v1, 1, 3, 1, HookSite.RESID_POST, PositionFilter.ALL)).getMessage());
        assertEquals("coefficient NaN is not a finite number", assertThrows(IllegalArgumentException.class, () -> Steering.none().add(v1, Double.NaN)).getMessage());
        assertEquals("ablation direction has norm 0.0; it needs a finite non-zero norm", assertThrows(IllegalArgumentException.class, () -> Steering.none().ablate(new float[64])).getMessage());
        SteeringVector deep = SteeringVector.single(5, new float[64], null);
        assertEquals("steering vector has a direction for layer 5 but model " + Steering.modelName(model) + " has layers 0-4",
                assertThrows(IllegalArgumentException.class, () -> Steering.none().add(deep, 1).applyTo(new SequenceState(model))).getMessage());
    }
}
