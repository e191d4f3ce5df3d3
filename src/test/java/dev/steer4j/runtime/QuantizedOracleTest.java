package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * One random model stored in every supported type. With float activations the engine must match the exact float64
 * pass over the dequantised weights ({@code logits_dequantized_float64}) within 2e-3: any error in a block decoder
 * shows up as a far larger difference. llama.cpp quantises activations for quantised matmuls, so its own logits
 * differ by up to ~0.2; its argmax must still agree wherever its top-1 margin exceeds that disagreement.
 */
class QuantizedOracleTest {
    @ParameterizedTest
    @ValueSource(strings = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_K", "Q4_K", "Q6_K"})
    void logitsMatchDequantisedReference(String type) {
        JsonNode c = null;
        for (JsonNode x : json("reference/tiny/quantized.json").get("cases")) if (x.get("type").asText().equals(type)) c = x;
        assertNotNull(c, type);
        try (Model model = Model.load(resource("reference/tiny/" + c.get("model_file").asText()))) {
            int vocab = model.config().vocabSize();
            int[] tokens = ints(c.get("tokens"));
            float[] logits = new ForwardPass(model).forward(new SequenceState(model), tokens, true);
            double llamaDisagreement = c.get("max_abs_diff_dequantized_float64_vs_llamacpp").asDouble();
            for (int i = 0; i < tokens.length; i++) {
                float[] exact = floats(c.get("logits_dequantized_float64").get(i));
                float[] llama = floats(c.get("logits").get(i));
                double d = maxAbsDiff(exact, logits, i * vocab);
                assertTrue(d < 2e-3, type + " position " + i + ": max |diff| vs dequantised float64 = " + d);
                int ours = argmax(logits, i * vocab, vocab);
                assertEquals(argmax(exact, 0, vocab), ours, type + " argmax vs float64 at " + i);
                if (margin(llama) > 2 * llamaDisagreement || i == tokens.length - 1)
                    assertEquals(argmax(llama, 0, vocab), ours, type + " argmax vs llama.cpp at " + i);
            }
        }
    }

    private static double margin(float[] x) {
        float a = Float.NEGATIVE_INFINITY, b = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            if (v > a) { b = a; a = v; } else if (v > b) b = v;
        }
        return a - b;
    }
}
