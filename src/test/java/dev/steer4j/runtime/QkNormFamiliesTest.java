package dev.steer4j.runtime;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * qwen3 and gemma3 have no reference numbers yet, so this only checks what their descriptions add: Q/K norms. Files are
 * derived from the qwen2 and gemma2 fixtures (keys renamed, biases dropped, unit Q/K norm weights). Per-head RMSNorm
 * makes attention invariant to the scale of W_q and W_k, so doubling them must leave the logits unchanged; the same
 * edit on the source family (no Q/K norm) changes them.
 */
class QkNormFamiliesTest {
    @TempDir
    Path tmp;

    /** A copy of {@code src} as architecture {@code arch}, with W_q and W_k times {@code scale} and, if asked, unit Q/K norms. */
    static void derive(Path src, String arch, float scale, boolean qkNorms, Path out) throws Exception {
        try (GGUFFile f = GGUFFile.open(src)) {
            String old = f.requireString("general.architecture");
            GGUFWriter w = new GGUFWriter();
            f.metadata().forEach((k, v) -> w.put(k.startsWith(old + ".") ? arch + k.substring(old.length()) : k, v));
            w.put("general.architecture", GGUFValue.of(arch));
            int headDim = f.getInt(old + ".attention.key_length", f.requireInt(old + ".embedding_length") / f.requireInt(old + ".attention.head_count"));
            for (GGUFTensorInfo t : f.tensors().values()) {
                String n = t.name();
                if (qkNorms && n.matches("blk\\.\\d+\\.attn_[qkv]\\.bias")) continue;
                if (n.matches("blk\\.\\d+\\.attn_[qk]\\.weight") && scale != 1f) {
                    float[] m = dev.steer4j.tensor.WeightMatrix.of(t).toFloatArray();
                    for (int i = 0; i < m.length; i++) m[i] *= scale;
                    w.addF32(n, t.dims(), m);
                } else {
                    w.addSegment(n, t.dims(), t.type(), t.data());
                }
                if (qkNorms && n.matches("blk\\.\\d+\\.attn_q\\.weight")) {
                    String b = n.substring(0, n.indexOf(".attn_q"));
                    float[] ones = new float[headDim];
                    Arrays.fill(ones, 1f);
                    w.addF32(b + ".attn_q_norm.weight", new long[]{headDim}, ones.clone());
                    w.addF32(b + ".attn_k_norm.weight", new long[]{headDim}, ones);
                }
            }
            w.write(out);
        }
    }

    static float[] logits(Path p, int[] tokens) {
        try (Model m = Model.load(p)) {
            return new ForwardPass(m).forward(new SequenceState(m), tokens, true).clone();
        }
    }

    @Test
    void qkNormsMakeAttentionScaleInvariant() throws Exception {
        int[] tokens = {1, 400, 30, 50, 261, 378, 90, 12, 300, 44, 7, 250};
        for (String[] c : new String[][]{{"reference/tiny/tiny-qwen2.gguf", "qwen3"}, {"reference/arch/gemma2.gguf", "gemma3"}}) {
            Path src = resource(c[0]);
            Path a = tmp.resolve(c[1] + "-1.gguf"), b = tmp.resolve(c[1] + "-2.gguf");
            derive(src, c[1], 1f, true, a);
            derive(src, c[1], 2f, true, b);
            try (Model m = Model.load(a)) {
                assertEquals(c[1], m.config().architecture().ggufName);
                assertFalse(m.config().architecture().verified);
                assertNotNull(m.layer(0).qNorm());
            }
            float[] la = logits(a, tokens), lb = logits(b, tokens);
            for (float v : la) assertTrue(Float.isFinite(v));
            assertTrue(maxAbsDiff(la, lb, 0) < 1e-4, c[1] + ": Q/K norms cancel the scale of W_q, W_k: " + maxAbsDiff(la, lb, 0));
            Path s1 = tmp.resolve(c[1] + "-src2.gguf");
            derive(src, Path.of(c[0]).getFileName().toString().contains("qwen2") ? "qwen2" : "gemma2", 2f, false, s1);
            assertTrue(maxAbsDiff(logits(src, tokens), logits(s1, tokens), 0) > 1e-2, "without Q/K norms the scale matters");
        }
    }
}
