package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * TinyStories-656K in Hugging Face layout (config.json, F32 model.safetensors with tied embeddings, tokenizer.json)
 * against the float64 HF Llama reference: logits within 1e-3 at every position, resid_post within 1e-3 at every layer,
 * greedy tokens exact, and tokenizer.json's tokenisation equal to the reference ids.
 */
class TinyStoriesSafetensorsTest {
    static final Path DIR = Path.of("src/test/resources/models/tinystories-656k");

    @Test
    void matchesTheReference() {
        try (Model model = Model.load(DIR)) {
            checkAgainstReference(model);
        }
    }

    @Test
    void loadsFromTheSafetensorsFileToo() {
        try (Model model = Model.load(DIR.resolve("model.safetensors"))) {
            JsonNode c = json("reference/tinystories-656k.json").get("cases").get(0);
            int[] tokens = ints(c.get("tokens"));
            float[] logits = new ForwardPass(model).forward(new SequenceState(model), tokens, true);
            int last = tokens.length - 1, vocab = model.config().vocabSize();
            assertTrue(maxAbsDiff(floats(c.get("logits").get(last)), logits, last * vocab) < 1e-3);
        }
    }

    static void checkAgainstReference(Model model) {
        assertEquals("llama", model.config().architecture().ggufName);
        assertEquals(2, model.config().layers());
        assertEquals(128, model.config().dim());
        assertEquals(4, model.config().kvHeads());
        assertTrue(model.tiedEmbeddings());
        assertEquals(1e-6f, model.config().rmsEps());
        ForwardPass fp = new ForwardPass(model);
        int vocab = model.config().vocabSize();
        assertEquals(2048, vocab);
        for (JsonNode c : json("reference/tinystories-656k.json").get("cases")) {
            int[] tokens = ints(c.get("tokens"));
            assertArrayEquals(tokens, model.tokenizer().encode(c.get("prompt").asText()), "tokenizer.json ids for " + c.get("prompt"));
            SequenceState seq = new SequenceState(model);
            float[][][] resid = new float[model.config().layers()][tokens.length][];
            for (int l = 0; l < model.config().layers(); l++) {
                final int layer = l;
                seq.hooks().add(HookPoint.residPost(l), a -> {
                    for (int r = 0; r < a.rows(); r++) resid[layer][a.position(r)] = a.copyRow(r);
                });
            }
            float[] logits = fp.forward(seq, tokens, true);
            double worstLogit = 0, worstResid = 0;
            for (int i = 0; i < tokens.length; i++) {
                worstLogit = Math.max(worstLogit, maxAbsDiff(floats(c.get("logits").get(i)), logits, i * vocab));
                for (int l = 0; l < model.config().layers(); l++)
                    worstResid = Math.max(worstResid, maxAbsDiff(floats(c.get("resid_post").get(String.valueOf(l)).get(i)), resid[l][i], 0));
            }
            assertTrue(worstLogit < 1e-3, "logits differ by " + worstLogit);
            assertTrue(worstResid < 1e-3, "resid_post differs by " + worstResid);
            int[] want = ints(c.get("greedy"));
            SequenceState g = new SequenceState(model);
            float[] last = fp.forward(g, tokens, false);
            int[] got = new int[want.length];
            for (int i = 0; i < want.length; i++) {
                got[i] = argmax(last, 0, vocab);
                last = fp.forward(g, new int[]{got[i]}, false);
            }
            assertArrayEquals(want, got, "greedy tokens");
            assertEquals(c.get("greedy_text").asText(), model.tokenizer().decode(got).strip());
        }
    }
}
