package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.tensor.ActivationMode;
import dev.steer4j.tensor.ThreadPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The int8-activation path ({@link ActivationMode#INT8}) on the random model of {@code tiny/quantized.json}.
 * llama.cpp quantises activations the same way (Q8_0/Q8_1/Q8_K blocks, integer block sums), so its logits
 * ({@code logits}) and ours must coincide to float rounding: the file's F32 case shows llama.cpp and an exact pass
 * agree to 7e-6, so 1e-4 leaves room for summation order while any difference in the quantisation rules (a
 * rounding mode, a half-rounded scale) moves logits by 1e-3 or more. Both then sit as far from the exact float64
 * pass as llama.cpp does ({@code max_abs_diff_dequantized_float64_vs_llamacpp}, 0.14-0.23).
 */
class Int8ActivationOracleTest {
    @ParameterizedTest
    @ValueSource(strings = {"Q8_0", "Q4_0", "Q4_1", "Q5_K", "Q4_K", "Q6_K"})
    void int8ActivationsTrackLlamaCpp(String type) {
        JsonNode c = null;
        for (JsonNode x : json("reference/tiny/quantized.json").get("cases")) if (x.get("type").asText().equals(type)) c = x;
        assertNotNull(c, type);
        try (Model model = Model.load(resource("reference/tiny/" + c.get("model_file").asText()))) {
            int vocab = model.config().vocabSize();
            int[] tokens = ints(c.get("tokens"));
            ForwardPass fp = new ForwardPass(model, new ThreadPool(2), ActivationMode.INT8);
            float[] logits = fp.forward(new SequenceState(model), tokens, true);
            double llamaVsExact = c.get("max_abs_diff_dequantized_float64_vs_llamacpp").asDouble();
            double oursVsLlama = 0, oursVsExact = 0;
            for (int i = 0; i < tokens.length; i++) {
                float[] exact = floats(c.get("logits_dequantized_float64").get(i));
                float[] llama = floats(c.get("logits").get(i));
                oursVsLlama = Math.max(oursVsLlama, maxAbsDiff(llama, logits, i * vocab));
                oursVsExact = Math.max(oursVsExact, maxAbsDiff(exact, logits, i * vocab));
                int ours = argmax(logits, i * vocab, vocab);
                if (margin(llama) > 2 * oursVsLlama || i == tokens.length - 1)
                    assertEquals(argmax(llama, 0, vocab), ours, type + " argmax vs llama.cpp at " + i);
            }
            System.out.printf("%s int8: max |ours - llama.cpp| %.2e, max |ours - float64| %.4f (llama.cpp - float64: %.4f)%n",
                    type, oursVsLlama, oursVsExact, llamaVsExact);
            assertTrue(oursVsLlama <= 1e-4, type + ": int8 path is " + oursVsLlama + " from llama.cpp's logits");
            assertTrue(oursVsExact <= llamaVsExact + 1e-4, type + ": int8 path is " + oursVsExact + " from float64, llama.cpp " + llamaVsExact);
            assertTrue(oursVsExact > 10 * 2e-3, type + ": int8 path is only " + oursVsExact + " from float64: were the activations quantised at all?");
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
