package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.serve.ServeTestSupport;
import dev.steer4j.serve.Steer4jServer;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.extract.Extractor;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The toolkit on every new family (tiny random-weight reference models): a vector extracted with mean difference
 * changes the logits when added; run-time ablation leaves every layer's residual stream with a projection below 1e-4
 * on the direction; the orthogonalised model agrees with run-time ablation within 1e-4 where the family allows it
 * (gpt2, phi3), and on gemma2 (sandwich post-norms) is flagged inexact with a measured difference; the server serves
 * the model, with steering.
 */
class FamilySteeringTest {
    @TempDir
    Path tmp;

    static final byte[] PAIRS = ("""
            {"positive": "The cat sat on the mat", "negative": "The dog ran in the park"}
            {"positive": "Once upon a time, there was a cat", "negative": "Once upon a time, there was a dog"}
            {"positive": "A cat is here", "negative": "A dog is there"}
            """).getBytes(StandardCharsets.UTF_8);

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gemma2", "phi3"})
    void extractSteerAblateOrthogonalizeServe(String arch) throws Exception {
        Path out = tmp.resolve(arch + "-abl.gguf");
        try (Model model = Model.load(resource("reference/arch/" + arch + ".gguf"))) {
            int layers = model.config().layers();
            int mid = layers / 2;
            ForwardPass fp = new ForwardPass(model);
            SteeringVector v = Extractor.meanDifference(model, Datasets.pairs("cat_dog.jsonl", PAIRS), mid);
            float[] dir = v.get(mid);
            int[] tokens = model.tokenizer().encode("Once upon a time, there was a little girl who liked to play");
            float[] plain = fp.forward(new SequenceState(model), tokens, true).clone();

            // steering changes the logits
            SequenceState steered = new SequenceState(model);
            try (var h = Steering.none().add(v, 4.0).applyTo(steered)) {
                double d = maxAbsDiff(plain, fp.forward(steered, tokens, true), 0);
                assertTrue(d > 0.05, arch + ": steering moved the logits by only " + d);
            }

            // ablation: nothing along the direction remains in the residual stream
            float[] r = Steering.unit(dir, "direction");
            SequenceState ablated = new SequenceState(model);
            List<HookPoint> points = new ArrayList<>();
            for (int l = 0; l < layers; l++) points.add(HookPoint.residPost(l));
            double maxProj = 0, before = 0;
            try (var h = Steering.none().ablate(dir).applyTo(ablated)) {
                ActivationCache c = ActivationCache.run(fp, ablated, tokens, points, false);
                for (HookPoint p : points) for (float[] row : c.get(p)) maxProj = Math.max(maxProj, Math.abs(dot(row, r)));
            }
            ActivationCache c0 = ActivationCache.run(fp, tokens, points);
            for (HookPoint p : points) for (float[] row : c0.get(p)) before = Math.max(before, Math.abs(dot(row, r)));
            assertTrue(before > 0.1, "the direction is present before ablation: " + before);
            assertTrue(maxProj < 1e-4, arch + ": projection after ablation " + maxProj);

            // orthogonalisation against run-time ablation
            Orthogonalizer.Result res = Orthogonalizer.write(model, dir, out, null);
            try (Model o = Model.load(out)) {
                double dev = Orthogonalizer.deviation(model, o, dir, tokens);
                System.out.printf("%s: steering ok, ablation projection %.2g (before %.3g), orthogonalized vs run-time ablation %.3g (exact=%s)%n",
                        arch, maxProj, before, dev, res.exact());
                if (arch.equals("gemma2")) {
                    assertFalse(res.exact());
                    assertTrue(res.note().contains("post_attention_norm"), res.note());
                    assertTrue(dev > 1e-4, "the documented deviation exists: " + dev);
                    assertFalse(o.file().tensors().containsKey("output.weight"), "llama.cpp's gemma2 has no output.weight");
                } else {
                    assertTrue(res.exact());
                    assertTrue(dev < 1e-4, arch + ": orthogonalized vs run-time ablation " + dev);
                }
                if (arch.equals("gpt2")) {
                    assertTrue(res.modified().contains("position_embd.weight"));
                    assertTrue(res.modified().contains("blk.0.attn_output.bias"));
                    assertTrue(res.modified().contains("blk.1.ffn_down.bias"));
                }
            }

            // the server serves it, plain and steered
            try (Steer4jServer s = Steer4jServer.start(model, ServeTestSupport.options(tmp).withMaxPromptTokens(64).withMaxTokens(32))) {
                var a = ServeTestSupport.post(s, "/v1/completions", Map.of("prompt", "Once upon a time", "max_tokens", 8, "temperature", 0));
                assertEquals(200, a.status(), a.body());
                assertEquals(8, a.json().get("usage").get("completion_tokens").asInt(), a.body());
                var b = ServeTestSupport.post(s, "/v1/completions", Map.of("prompt", "Once upon a time", "max_tokens", 8, "temperature", 0,
                        "steering", List.of(Map.of("vector", Map.of(String.valueOf(mid), toList(dir)), "coefficient", 8.0))));
                assertEquals(200, b.status(), b.body());
                assertNotEquals(a.json().get("choices").get(0).get("text").asText(), b.json().get("choices").get(0).get("text").asText(),
                        arch + ": steering through the server changes the greedy text");
            }
        }
    }

    private static List<Double> toList(float[] x) {
        List<Double> l = new ArrayList<>();
        for (float f : x) l.add((double) f);
        return l;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }
}
