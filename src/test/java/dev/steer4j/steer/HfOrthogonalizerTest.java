package dev.steer4j.steer;

import dev.steer4j.format.safetensors.SafetensorsFile;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Orthogonalising TinyStories-656K (Hugging Face input) writes a Hugging Face directory whose plain logits equal
 * run-time ablation of the same direction on the original (1e-4), whose residual stream has no component along it,
 * and whose untouched tensors are byte copies of the input's.
 */
class HfOrthogonalizerTest {
    static final Path IN = Path.of("src/test/resources/models/tinystories-656k");
    @TempDir Path tmp;

    @Test
    void writesSafetensorsThatEqualRuntimeAblation() throws Exception {
        float[] dir = new float[128];
        Random rnd = new Random(3);
        for (int i = 0; i < dir.length; i++) dir[i] = (float) rnd.nextGaussian();
        float[] r = Steering.unit(dir, "test");
        Path out = tmp.resolve("abliterated");
        int[] tokens = ints(json("reference/tinystories-656k.json").get("cases").get(0).get("tokens"));
        float[] want;
        Orthogonalizer.Result res;
        try (Model m = Model.load(IN)) {
            assertTrue(HfOrthogonalizer.isHf(m));
            want = OrthogonalizerTest.runtimeAblated(m, dir, tokens);
            res = HfOrthogonalizer.write(m, dir, out, null);
        }
        assertEquals(5, res.modified().size(), "token_embd + 2 attn_output + 2 ffn_down");
        assertTrue(res.untiedOutput(), "TinyStories ties its embeddings; the unembedding must stay the original");
        for (String f : new String[]{"config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"}) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertTrue(Files.readString(out.resolve("config.json")).contains("\"tie_word_embeddings\" : false"));
        try (Model m = Model.load(out)) {
            assertFalse(m.tiedEmbeddings());
            double d = maxAbsDiff(want, OrthogonalizerTest.plain(m, tokens), 0);
            assertTrue(d < 1e-4, "orthogonalised vs run-time ablation: max |diff| = " + d);
            SequenceState seq = new SequenceState(m);
            double[] worst = {0};
            for (int l = 0; l < m.config().layers(); l++) {
                seq.hooks().add(HookPoint.residPost(l), a -> {
                    for (int i = 0; i < a.rows(); i++) {
                        float[] row = a.copyRow(i);
                        double dot = 0;
                        for (int j = 0; j < row.length; j++) dot += row[j] * r[j];
                        worst[0] = Math.max(worst[0], Math.abs(dot));
                    }
                });
            }
            new ForwardPass(m).forward(seq, tokens, true);
            assertTrue(worst[0] < 1e-3, "projection of resid_post on the direction: " + worst[0]);
        }
        try (SafetensorsFile a = SafetensorsFile.open(IN.resolve("model.safetensors")); SafetensorsFile b = SafetensorsFile.open(out.resolve("model.safetensors"))) {
            // untouched tensors keep their bytes (q_proj went GGUF-permuted and back); the written ones changed
            assertEquals(-1, a.tensor("model.layers.1.self_attn.q_proj.weight").data().mismatch(b.tensor("model.layers.1.self_attn.q_proj.weight").data()));
            assertEquals(-1, a.tensor("lm_head.weight").data().mismatch(b.tensor("lm_head.weight").data()));
            assertNotEquals(-1, a.tensor("model.layers.0.mlp.down_proj.weight").data().mismatch(b.tensor("model.layers.0.mlp.down_proj.weight").data()));
            assertNotNull(b.tensor("model.embed_tokens.weight"));
        }
    }

    @Test
    void refusesAGgufNameAndTheInputDirectory() {
        try (Model m = Model.load(IN)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HfOrthogonalizer.write(m, new float[128], tmp.resolve("x.gguf"), null));
            assertTrue(e.getMessage().contains("written as a directory of safetensors"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> HfOrthogonalizer.write(m, new float[128], IN, null));
            assertTrue(e.getMessage().contains("refusing to overwrite"), e.getMessage());
        }
    }
}
