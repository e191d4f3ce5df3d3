package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.LayerWeights;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.read.ActivationPatching;
import dev.steer4j.tensor.VectorMath;
import dev.steer4j.tensor.WeightMatrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The finer TransformerLens hook points mean the same in every family: z, pattern and v are consistent with each
 * other, {@code W_o·z} (+ bias, post-norm) is exactly hook_attn_out, {@code W_down·mlp.hook_post} (+ bias, post-norm)
 * is exactly hook_mlp_out, patterns are causal, windowed where the family says so and sum to 1; writing the pattern
 * back unchanged changes nothing, and head-level patching replaces one head only.
 */
class FineHooksTest {
    static Model load(String arch) {
        if (arch.equals("llama")) return Model.load(resource("reference/tiny/tiny-llama.gguf"));
        return Model.load(resource("reference/arch/" + arch + ".gguf"));
    }

    static int[] prompt(String arch) {
        if (arch.equals("llama")) return ints(json("reference/tiny/architectures.json").get("models").get(0).get("cases").get(0).get("tokens"));
        JsonNode m = json("reference/arch/" + arch + ".json").get("models").get(0);
        return ints(m.get("cases").get(0).get("tokens"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama", "gpt2", "gemma2", "phi3"})
    void finerHooksAreConsistent(String arch) {
        try (Model model = load(arch)) {
            ModelConfig c = model.config();
            ForwardPass fp = new ForwardPass(model, dev.steer4j.tensor.ThreadPool.shared(), dev.steer4j.tensor.ActivationMode.FLOAT, 512);
            int[] tokens = prompt(arch);
            int n = tokens.length;
            List<HookPoint> points = new ArrayList<>();
            for (int l = 0; l < Math.min(c.layers(), 3); l++)
                for (HookSite s : List.of(HookSite.V, HookSite.PATTERN, HookSite.Z, HookSite.ATTN_OUT, HookSite.MLP_POST, HookSite.MLP_OUT))
                    points.add(HookPoint.of(s, l));
            ActivationCache cache = ActivationCache.run(fp, new SequenceState(model, 512), tokens, points, true);
            int hd = c.headDim(), heads = c.heads(), group = heads / c.kvHeads();
            boolean sawWindow = false;
            for (int l = 0; l < Math.min(c.layers(), 3); l++) {
                LayerWeights w = model.layer(l);
                float[][] v = cache.get(HookPoint.of(HookSite.V, l)), pat = cache.get(HookPoint.of(HookSite.PATTERN, l)),
                        z = cache.get(HookPoint.of(HookSite.Z, l)), ao = cache.get(HookPoint.of(HookSite.ATTN_OUT, l)),
                        post = cache.get(HookPoint.of(HookSite.MLP_POST, l)), mo = cache.get(HookPoint.of(HookSite.MLP_OUT, l));
                int window = c.window(l);
                for (int i = 0; i < n; i++) {
                    assertEquals(heads * n, pat[i].length, "pattern width");
                    for (int h = 0; h < heads; h++) {
                        double sum = 0;
                        float[] zz = new float[hd];
                        for (int t = 0; t < n; t++) {
                            float p = pat[i][h * n + t];
                            if (t > i) assertEquals(0f, p, "future key " + t + " of query " + i);
                            if (window > 0 && i - t >= window) {
                                assertEquals(0f, p, arch + " layer " + l + ": key " + t + " is outside query " + i + "'s window");
                                sawWindow = true;
                            }
                            sum += p;
                            for (int d = 0; d < hd; d++) zz[d] += p * v[t][(h / group) * hd + d];
                        }
                        assertEquals(1.0, sum, 1e-5);
                        assertArrayEquals(zz, Arrays.copyOfRange(z[i], h * hd, (h + 1) * hd), 1e-5f, "z = pattern · v");
                    }
                    assertArrayEquals(ao[i], written(model, w.wo(), z[i], w.bo(), w.postAttnNorm()), 2e-4f, arch + " attn_out = Wo·z at layer " + l);
                    assertArrayEquals(mo[i], written(model, w.ffnDown(), post[i], w.bDown(), w.postFfnNorm()), 2e-4f, arch + " mlp_out = Wdown·post at layer " + l);
                }
            }
            if (c.slidingWindow() > 0) assertTrue(sawWindow, "the prompt reaches past the window");
        }
    }

    /** What a sub-block writes: W x (+ b), through the post-norm if any. */
    private static float[] written(Model model, WeightMatrix m, float[] x, float[] bias, float[] postNorm) {
        float[] y = new float[m.rows()];
        for (int o = 0; o < y.length; o++) y[o] = m.dotRow(o, x, 0) + (bias == null ? 0 : bias[o]);
        if (postNorm != null) VectorMath.rmsNorm(y, 0, y, 0, postNorm, y.length, model.config().rmsEps());
        return y;
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gemma2", "phi3"})
    void patternHookPathEqualsFusedAttentionAndCostsNothingUnhooked(String arch) {
        try (Model model = load(arch)) {
            ForwardPass fp = new ForwardPass(model, dev.steer4j.tensor.ThreadPool.shared(), dev.steer4j.tensor.ActivationMode.FLOAT, 512);
            int[] tokens = prompt(arch);
            SequenceState plain = new SequenceState(model, 512);
            float[] want = fp.forward(plain, tokens, true).clone();
            fp.forward(plain, new int[]{3}, false);
            assertEquals(0, plain.workspace().pattern.length, "no pattern buffer without a pattern hook");
            SequenceState hooked = new SequenceState(model, 512);
            for (int l = 0; l < model.config().layers(); l++) hooked.hooks().add(HookPoint.of(HookSite.PATTERN, l), a -> {});
            float[] got = fp.forward(hooked, tokens, true);
            assertEquals(0.0, maxAbsDiff(Arrays.copyOf(want, tokens.length * model.config().vocabSize()), got, 0), 1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gemma2", "phi3"})
    void headPatchingReplacesOneHeadOnly(String arch) {
        try (Model model = load(arch)) {
            ModelConfig c = model.config();
            ForwardPass fp = new ForwardPass(model, dev.steer4j.tensor.ThreadPool.shared(), dev.steer4j.tensor.ActivationMode.FLOAT, 512);
            int[] corrupted = prompt(arch);
            int[] clean = corrupted.clone();
            clean[clean.length - 2] = (clean[clean.length - 2] + 7) % c.vocabSize(); // inside every window of the last query
            int layer = c.layers() - 1, head = 1, hd = c.headDim();
            HookPoint z = HookPoint.of(HookSite.Z, layer);
            ActivationCache cleanCache = ActivationCache.run(fp, new SequenceState(model, 512), clean, List.of(z), true);
            ActivationCache corrCache = ActivationCache.run(fp, new SequenceState(model, 512), corrupted, List.of(z), true);
            SequenceState seq = new SequenceState(model, corrupted.length);
            boolean[] all = new boolean[corrupted.length];
            Arrays.fill(all, true);
            float[][] seen = new float[corrupted.length][];
            try (var reg = ActivationPatching.patchHead(seq, z, head, cleanCache.get(z), all);
                 var cap = seq.hooks().add(z, a -> { for (int r = 0; r < a.rows(); r++) seen[a.position(r)] = a.copyRow(r); })) {
                fp.forward(seq, corrupted, true);
            }
            double changed = 0;
            for (int i = 0; i < corrupted.length; i++) {
                for (int h = 0; h < c.heads(); h++) {
                    float[] src = (h == head ? cleanCache : corrCache).get(z)[i];
                    assertArrayEquals(Arrays.copyOfRange(src, h * hd, (h + 1) * hd), Arrays.copyOfRange(seen[i], h * hd, (h + 1) * hd), 1e-6f);
                }
                changed += maxAbsDiff(Arrays.copyOfRange(cleanCache.get(z)[i], head * hd, (head + 1) * hd), corrCache.get(z)[i], head * hd);
            }
            assertTrue(changed > 1e-3, "the clean and corrupted head differ, so the patch did something");

            int target = 5, distractor = 9;
            double[][] scan = ActivationPatching.scanHeads(fp, clean, corrupted, HookSite.Z, target, distractor, (d, t, m) -> {});
            assertEquals(c.layers(), scan.length);
            assertEquals(c.heads(), scan[0].length);
            float[] logits = ActivationPatching.runPatchedHead(fp, corrupted, cleanCache, z, head, null);
            int last = (corrupted.length - 1) * c.vocabSize();
            assertEquals(logits[last + target] - logits[last + distractor], scan[layer][head], 1e-5);
            float[] co = corrCache.logits();
            assertNotEquals(co[last + target] - co[last + distractor], scan[layer][head], 1e-6);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ActivationPatching.runPatchedHead(fp, corrupted, cleanCache, z, c.heads(), null));
            assertEquals("head " + c.heads() + " does not exist at attn.hook_z (heads 0-" + (c.heads() - 1) + ")", e.getMessage());
        }
    }
}
