package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.Test;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Random-weight llama (adjacent-pair RoPE) and qwen2 (NEOX RoPE, Q/K/V biases, rope base 1e6) models against
 * llama.cpp logits and float64 residuals. Tolerance 1e-3, as for the bundled model.
 */
class ArchitecturesOracleTest {
    @Test
    void llamaAndQwen2MatchReference() {
        for (JsonNode m : json("reference/tiny/architectures.json").get("models")) {
            try (Model model = Model.load(resource("reference/tiny/" + m.get("model_file").asText()))) {
                assertEquals(m.get("arch").asText(), model.config().architecture().ggufName);
                ForwardPass fp = new ForwardPass(model);
                int vocab = model.config().vocabSize();
                for (JsonNode c : m.get("cases")) {
                    int[] tokens = ints(c.get("tokens"));
                    SequenceState seq = new SequenceState(model);
                    float[][][] resid = new float[model.config().layers()][tokens.length][];
                    for (int l = 0; l < model.config().layers(); l++) {
                        final int layer = l;
                        seq.hooks().add(HookPoint.residPost(l), a -> {
                            for (int r = 0; r < a.rows(); r++) resid[layer][a.position(r)] = a.copyRow(r);
                        });
                    }
                    float[] logits = fp.forward(seq, tokens, true);
                    for (int i = 0; i < tokens.length; i++) {
                        double d = maxAbsDiff(floats(c.get("logits").get(i)), logits, i * vocab);
                        assertTrue(d < 1e-3, m.get("arch").asText() + " logits at " + i + ": " + d);
                        for (int l = 0; l < model.config().layers(); l++) {
                            double dr = maxAbsDiff(floats(c.get("resid_post").get(String.valueOf(l)).get(i)), resid[l][i], 0);
                            assertTrue(dr < 1e-3, m.get("arch").asText() + " resid_post layer " + l + " at " + i + ": " + dr);
                        }
                    }
                    // Greedy continuation with the KV cache.
                    int[] want = ints(c.get("greedy"));
                    SequenceState g = new SequenceState(model);
                    float[] last = fp.forward(g, tokens, false);
                    for (int i = 0; i < want.length; i++) {
                        int next = argmax(last, 0, vocab);
                        assertEquals(want[i], next, m.get("arch").asText() + " greedy token " + i);
                        last = fp.forward(g, new int[]{next}, false);
                    }
                }
            }
        }
    }
}
