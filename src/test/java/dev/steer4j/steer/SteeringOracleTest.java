package dev.steer4j.steer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Steering against the oracle files: llama.cpp control vectors ({@code steer_add.json} with the real
 * {@code cvec-*.gguf} files) and Arditi-style directional ablation ({@code ablate.json}).
 * Logit tolerance 1e-3: llama.cpp and the float64 reference agree to ~5e-5 and the unsteered F32 engine lands within
 * ~1e-4 of both; steering adds one float add per element, which does not change that order of magnitude.
 */
class SteeringOracleTest {
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

    static int[] greedy(SequenceState seq, int[] prompt, int n) {
        int vocab = model.config().vocabSize();
        seq.setPromptLength(prompt.length);
        float[] logits = fp.forward(seq, prompt, false);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = argmax(logits, 0, vocab);
            logits = fp.forward(seq, new int[]{out[i]}, false);
        }
        return out;
    }

    @Test
    void everySteerAddCaseMatchesLlamaCppLogitsAndGreedyTokens() {
        JsonNode cases = json("reference/stories260K/steer_add.json").get("cases");
        assertEquals(4, cases.size());
        int vocab = model.config().vocabSize();
        for (JsonNode c : cases) {
            String file = c.get("vector_file").asText();
            SteeringVector v = ControlVectorFile.readFor(resource("reference/stories260K/" + file), model);
            Steering s = Steering.none().add(v, c.get("scale").asDouble(), c.get("layer_start").asInt(), c.get("layer_end").asInt(),
                    HookSite.RESID_POST, PositionFilter.ALL);
            int[] tokens = ints(c.get("tokens"));
            SequenceState seq = new SequenceState(model);
            try (Steering.Applied a = s.applyTo(seq)) {
                seq.setPromptLength(tokens.length);
                float[] logits = fp.forward(seq, tokens, true);
                for (int i = 0; i < tokens.length; i++) {
                    double d = maxAbsDiff(floats(c.get("logits").get(i)), logits, i * vocab);
                    assertTrue(d < TOL, file + " position " + i + ": max |diff| = " + d);
                }
            }
            SequenceState gen = new SequenceState(model);
            try (Steering.Applied a = s.applyTo(gen)) {
                assertArrayEquals(ints(c.get("greedy")), greedy(gen, tokens, c.get("greedy").size()), file + " greedy tokens");
            }
        }
    }

    @Test
    void closingTheScopeRestoresUnsteeredLogits() {
        JsonNode c = json("reference/stories260K/steer_add.json").get("cases").get(1);
        SteeringVector v = ControlVectorFile.read(resource("reference/stories260K/cvec-1.gguf"));
        int[] tokens = ints(c.get("tokens"));
        SequenceState seq = new SequenceState(model);
        float[] plain = fp.forward(seq, tokens, true).clone();
        seq.reset();
        float[] steered;
        try (var a = Steering.none().add(v, 2.5).applyTo(seq)) {
            steered = fp.forward(seq, tokens, true).clone();
        }
        assertTrue(seq.hooks().isEmpty(), "close() removes every hook");
        seq.reset();
        float[] after = fp.forward(seq, tokens, true);
        assertArrayEquals(plain, java.util.Arrays.copyOf(after, plain.length));
        assertTrue(maxAbsDiff(plain, steered, 0) > 1.0, "the vector at 2.5 moves the logits by more than 1");
    }

    @Test
    void ablationMatchesReferenceAndRemovesTheDirectionFromEveryLayer() {
        JsonNode c = json("reference/stories260K/ablate.json").get("cases").get(0);
        int[] tokens = ints(c.get("tokens"));
        float[] dir = floats(c.get("direction"));
        float[] unit = Steering.unit(dir, "direction");
        int vocab = model.config().vocabSize();
        SequenceState seq = new SequenceState(model);
        List<float[][]> resid = new ArrayList<>();
        try (var a = Steering.none().ablate(dir).applyTo(seq)) {
            for (int l = 0; l < model.config().layers(); l++) {
                float[][] rows = new float[tokens.length][];
                resid.add(rows);
                seq.hooks().add(HookPoint.residPost(l), x -> {
                    for (int r = 0; r < x.rows(); r++) rows[x.position(r)] = x.copyRow(r);
                });
            }
            float[] logits = fp.forward(seq, tokens, true);
            for (int i = 0; i < tokens.length; i++) {
                double d = maxAbsDiff(floats(c.get("logits").get(i)), logits, i * vocab);
                assertTrue(d < TOL, "position " + i + ": max |diff| = " + d);
            }
        }
        double worst = 0;
        for (float[][] layer : resid) {
            for (float[] row : layer) {
                double p = 0;
                for (int i = 0; i < row.length; i++) p += (double) row[i] * unit[i];
                worst = Math.max(worst, Math.abs(p));
            }
        }
        // Without ablation the projections are O(1); after it only float rounding of the residual sum remains.
        assertTrue(worst < 1e-4, "max |projection| after ablation = " + worst);
    }
}
