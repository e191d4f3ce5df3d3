package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The forward pass against llama.cpp and the float64 reference for the bundled stories260K model.
 * Tolerance 1e-3 on logits and residuals: the reference and llama.cpp agree to ~5e-5, and an F32 engine with
 * float accumulation in a different order lands within ~1e-4 of both.
 */
class ForwardOracleTest {
    static final double TOL = 1e-3;
    static Model model;
    static ForwardPass fp;

    @BeforeAll
    static void load() {
        model = Model.load(stories260K());
        fp = new ForwardPass(model);
    }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void logitsAtEveryPositionMatchReference() {
        for (JsonNode c : json("reference/stories260K/forward.json").get("cases")) {
            int[] tokens = ints(c.get("tokens"));
            SequenceState seq = new SequenceState(model);
            float[] logits = fp.forward(seq, tokens, true);
            int vocab = model.config().vocabSize();
            for (int i = 0; i < tokens.length; i++) {
                double d = maxAbsDiff(floats(c.get("logits").get(i)), logits, i * vocab);
                assertTrue(d < TOL, c.get("prompt").asText() + " position " + i + ": max |diff| = " + d);
            }
        }
    }

    @Test
    void residualsAtEveryLayerMatchThroughHooks() {
        for (JsonNode c : json("reference/stories260K/forward.json").get("cases")) {
            int[] tokens = ints(c.get("tokens"));
            SequenceState seq = new SequenceState(model);
            List<float[][]> captured = new ArrayList<>();
            for (int l = 0; l < model.config().layers(); l++) {
                float[][] rows = new float[tokens.length][];
                captured.add(rows);
                seq.hooks().add(HookPoint.residPost(l), a -> {
                    for (int r = 0; r < a.rows(); r++) rows[a.position(r)] = a.copyRow(r);
                });
            }
            fp.forward(seq, tokens, false);
            for (int l = 0; l < model.config().layers(); l++) {
                JsonNode ref = c.get("resid_post").get(String.valueOf(l));
                for (int i = 0; i < tokens.length; i++) {
                    double d = maxAbsDiff(floats(ref.get(i)), captured.get(l)[i], 0);
                    assertTrue(d < TOL, "layer " + l + " position " + i + ": max |diff| = " + d);
                }
            }
        }
    }

    @Test
    void greedyContinuationMatchesTokenForToken() {
        for (JsonNode c : json("reference/stories260K/forward.json").get("cases")) {
            int[] tokens = ints(c.get("tokens"));
            int[] want = ints(c.get("greedy"));
            SequenceState seq = new SequenceState(model);
            int vocab = model.config().vocabSize();
            float[] logits = fp.forward(seq, tokens, false);
            for (int i = 0; i < want.length; i++) {
                int next = argmax(logits, 0, vocab);
                assertEquals(want[i], next, c.get("prompt").asText() + ": greedy token " + i);
                logits = fp.forward(seq, new int[]{next}, false);
            }
        }
    }

    @Test
    void zeroInterventionLeavesLogitsBitForBitUnchanged() {
        int[] tokens = ints(json("reference/stories260K/forward.json").get("cases").get(0).get("tokens"));
        float[] plain = fp.forward(new SequenceState(model), tokens, true).clone();
        SequenceState seq = new SequenceState(model);
        for (int l = 0; l < model.config().layers(); l++) {
            seq.hooks().add(HookPoint.residPost(l), a -> {
                for (int r = 0; r < a.rows(); r++) for (int j = 0; j < a.width(); j++) a.set(r, j, a.get(r, j) + 0f);
            });
        }
        float[] hooked = fp.forward(seq, tokens, true);
        int n = tokens.length * model.config().vocabSize();
        for (int i = 0; i < n; i++) assertEquals(Float.floatToRawIntBits(plain[i]), Float.floatToRawIntBits(hooked[i]), "logit " + i);
    }
}
