package dev.steer4j.steer;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Orthogonalised weights against run-time ablation. Tolerance 1e-4 on logits: both compute the same function, the
 * only difference being where the projection is rounded to float (once in the weights versus once per activation).
 */
class OrthogonalizerTest {
    @TempDir
    Path tmp;

    static float[] direction() {
        return floats(json("reference/stories260K/ablate.json").get("cases").get(0).get("direction"));
    }

    static int[] tokens() {
        return ints(json("reference/stories260K/ablate.json").get("cases").get(0).get("tokens"));
    }

    static float[] runtimeAblated(Model m, float[] dir, int[] tokens) {
        SequenceState seq = new SequenceState(m);
        try (var a = Steering.none().ablate(dir).applyTo(seq)) {
            return new ForwardPass(m).forward(seq, tokens, true).clone();
        }
    }

    static float[] plain(Model m, int[] tokens) {
        return new ForwardPass(m).forward(new SequenceState(m), tokens, true).clone();
    }

    @Test
    void orthogonalisedModelEqualsRuntimeAblationAndKeepsEverythingElse() {
        Path out = tmp.resolve("abl.gguf");
        float[] dir = direction();
        int[] tokens = tokens();
        float[] want;
        Orthogonalizer.Result r;
        try (Model m = Model.load(stories260K())) {
            want = runtimeAblated(m, dir, tokens);
            r = Orthogonalizer.write(m, dir, out, "stories260K abliterated");
        }
        assertEquals(11, r.modified().size(), "token_embd + 5 attn_output + 5 ffn_down");
        assertFalse(r.untiedOutput());
        try (Model m = Model.load(out)) {
            double d = maxAbsDiff(want, plain(m, tokens), 0);
            assertTrue(d < 1e-4, "orthogonalised vs run-time ablation: max |diff| = " + d);
            // the reference logits of ablate.json too
            var ref = json("reference/stories260K/ablate.json").get("cases").get(0).get("logits");
            float[] got = plain(m, tokens);
            for (int i = 0; i < tokens.length; i++) assertTrue(maxAbsDiff(floats(ref.get(i)), got, i * 512) < 1e-3);
        }
        try (GGUFFile a = GGUFFile.open(stories260K()); GGUFFile b = GGUFFile.open(out)) {
            assertEquals("stories260K abliterated", b.requireString("general.name"));
            assertEquals(a.metadata().keySet(), b.metadata().keySet());
            for (var e : a.metadata().entrySet()) {
                if (e.getKey().equals("general.name")) continue;
                assertEquals(e.getValue().display(), b.metadata().get(e.getKey()).display(), e.getKey());
            }
            assertEquals(a.tensors().keySet(), b.tensors().keySet());
            for (GGUFTensorInfo t : a.tensors().values()) {
                GGUFTensorInfo u = b.tensor(t.name());
                assertArrayEquals(t.dims(), u.dims(), t.name());
                boolean modified = r.modified().contains(t.name());
                boolean same = t.data().mismatch(u.data()) == -1;
                assertEquals(!modified, same, t.name() + (modified ? " should change" : " should be copied byte for byte"));
            }
        }
    }

    @Test
    void tiedEmbeddingsKeepTheOriginalUnembedding() throws Exception {
        // stories260K's output.weight equals token_embd, so dropping it gives the same model with tied embeddings.
        Path tied = tmp.resolve("tied.gguf");
        try (GGUFFile f = GGUFFile.open(stories260K())) {
            GGUFWriter w = new GGUFWriter().putAll(f.metadata());
            for (GGUFTensorInfo t : f.tensors().values())
                if (!t.name().equals("output.weight")) w.addSegment(t.name(), t.dims(), t.type(), t.data());
            w.write(tied);
        }
        float[] dir = direction();
        int[] tokens = tokens();
        Path out = tmp.resolve("tied-abl.gguf");
        float[] want;
        try (Model m = Model.load(tied)) {
            assertTrue(m.tiedEmbeddings());
            want = runtimeAblated(m, dir, tokens);
            assertTrue(Orthogonalizer.write(m, dir, out, null).untiedOutput());
        }
        try (Model m = Model.load(out)) {
            assertFalse(m.tiedEmbeddings());
            // stories260K's general.name is "llama"; with no --name the new model says what was done to it
            assertEquals("llama (orthogonalized)", m.file().getString("general.name", null));
            assertEquals("llama (orthogonalized)", m.config().name());
            double d = maxAbsDiff(want, plain(m, tokens), 0);
            assertTrue(d < 1e-4, "max |diff| = " + d);
        }
    }

    @Test
    void quantisedSourceIsDequantisedAndStillMatches() {
        Path src = resource("reference/tiny/tiny-quant-q8_0.gguf");
        Path out = tmp.resolve("q.gguf");
        float[] want;
        int[] tokens = {1, 5, 9, 2, 7, 3};
        float[] dir;
        try (Model m = Model.load(src)) {
            dir = new float[m.config().dim()];
            for (int i = 0; i < dir.length; i++) dir[i] = (float) Math.sin(i + 1);
            want = runtimeAblated(m, dir, tokens);
            assertTrue(maxAbsDiff(want, plain(m, tokens), 0) > 1e-3, "the ablation changes this model's logits");
            Orthogonalizer.write(m, dir, out, null);
        }
        try (Model m = Model.load(out)) {
            assertEquals(dev.steer4j.format.gguf.GGMLType.F32, m.file().tensor("blk.0.ffn_down.weight").type());
            assertEquals(dev.steer4j.format.gguf.GGMLType.Q8_0, m.file().tensor("blk.0.ffn_up.weight").type());
            double d = maxAbsDiff(want, plain(m, tokens), 0);
            // Q8_0 kernels with float activations compute with exactly the dequantised weights; 1e-4 as above.
            assertTrue(d < 1e-4, "max |diff| = " + d);
        }
    }

    @Test
    void wrongWidthAndOverwritingTheSourceAreRefused() {
        try (Model m = Model.load(stories260K())) {
            var e = assertThrows(IllegalArgumentException.class, () -> Orthogonalizer.write(m, new float[128], tmp.resolve("x.gguf"), null));
            assertEquals("direction has n_embd 128 but model " + Steering.modelName(m) + " has 64", e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Orthogonalizer.write(m, direction(), stories260K(), null));
        }
    }

}
