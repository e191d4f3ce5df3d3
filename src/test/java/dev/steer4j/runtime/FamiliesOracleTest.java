package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * gpt2, gemma2 and phi3 (tiny random-weight GGUFs from reference/arch) against llama.cpp c392e50: logits within 1e-3
 * at every position, hook_resid_post (llama.cpp's l_out) within 1e-3 relative at every layer, 20 greedy tokens
 * exact with the KV cache, on prompts longer than the sliding windows (gemma2: 4, phi3: 6; the longest prompt has
 * 30 tokens). The pass runs with llama.cpp's context of 512, which selects Phi-3's short RoPE factors as llama.cpp
 * did; the default context (phi3.context_length = 4096) selects the long ones, which change the logits.
 */
class FamiliesOracleTest {
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gemma2", "phi3"})
    void matchesLlamaCpp(String arch) {
        JsonNode m = json("reference/arch/" + arch + ".json").get("models").get(0);
        try (Model model = Model.load(resource("reference/arch/" + m.get("model_file").asText()))) {
            assertEquals(arch, model.config().architecture().ggufName);
            ForwardPass fp = new ForwardPass(model, dev.steer4j.tensor.ThreadPool.shared(), dev.steer4j.tensor.ActivationMode.FLOAT, 512);
            int vocab = model.config().vocabSize();
            int layers = model.config().layers();
            boolean longerThanWindow = false;
            for (JsonNode c : m.get("cases")) {
                int[] tokens = ints(c.get("tokens"));
                longerThanWindow |= model.config().slidingWindow() > 0 && tokens.length > 2 * model.config().slidingWindow();
                SequenceState seq = new SequenceState(model, 512);
                float[][][] resid = new float[layers][tokens.length][];
                for (int l = 0; l < layers; l++) {
                    final int layer = l;
                    seq.hooks().add(HookPoint.residPost(l), a -> {
                        for (int r = 0; r < a.rows(); r++) resid[layer][a.position(r)] = a.copyRow(r);
                    });
                }
                float[] logits = fp.forward(seq, tokens, true);
                for (int i = 0; i < tokens.length; i++) {
                    double d = maxAbsDiff(floats(c.get("logits").get(i)), logits, i * vocab);
                    assertTrue(d < 1e-3, arch + " logits at " + i + ": " + d);
                    for (int l = 0; l < layers; l++) {
                        float[] want = floats(c.get("resid_post").get(String.valueOf(l)).get(i));
                        double scale = 1;
                        for (float v : want) scale = Math.max(scale, Math.abs(v));
                        double dr = maxAbsDiff(want, resid[l][i], 0) / scale;
                        assertTrue(dr < 1e-3, arch + " resid_post layer " + l + " at " + i + ": " + dr + " (relative to " + scale + ")");
                    }
                }
                int[] want = ints(c.get("greedy"));
                SequenceState g = new SequenceState(model, 512);
                float[] last = fp.forward(g, tokens, false);
                for (int i = 0; i < want.length; i++) {
                    int next = argmax(last, 0, vocab);
                    assertEquals(want[i], next, arch + " '" + c.get("prompt").asText() + "' greedy token " + i);
                    last = fp.forward(g, new int[]{next}, false);
                }
            }
            if (model.config().slidingWindow() > 0) assertTrue(longerThanWindow, "a prompt longer than twice the window");
            if (arch.equals("phi3")) {
                ForwardPass longCtx = new ForwardPass(model);
                assertTrue(longCtx.usesLongFactors() && !fp.usesLongFactors());
                int[] t = ints(m.get("cases").get(0).get("tokens"));
                float[] a = fp.forward(new SequenceState(model), t, false).clone();
                assertTrue(maxAbsDiff(a, longCtx.forward(new SequenceState(model), t, false), 0) > 0.1, "the long factors apply at 4096");
            }
        }
    }
}
