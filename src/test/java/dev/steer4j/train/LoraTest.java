package dev.steer4j.train;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.steer4j.testutil.Fixtures.stories260K;
import static org.junit.jupiter.api.Assertions.*;

/**
 * LoRA on the differentiable pass: its gradients against float64 central differences through the whole forward of
 * stories260K, its merged weights against the hooked pass, and its llama.cpp-layout adapter file read back.
 */
class LoraTest {
    static Model model;
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() { model = Model.load(stories260K()); }

    @AfterAll
    static void close() { model.close(); }

    /** A LoRA with B drawn at random too (a fresh B is zero, which would make every gradient into A zero). */
    private static Lora randomLora(long seed) {
        Lora lora = new Lora(model, new int[]{1, 3}, List.of("attn_q", "attn_v", "ffn_down"), 2, 3.0, seed);
        Random r = new Random(seed + 1);
        for (Lora.Pair p : lora.pairs()) for (int i = 0; i < p.b().value.length; i++) p.b().value[i] = r.nextGaussian() * 0.3;
        return lora;
    }

    private static double loss(Lora lora, int[] tokens, double[] weights, boolean backward) {
        Tape t = new Tape();
        Tensor logits = new DifferentiableForward(model).run(t, tokens, lora).logits();
        Tensor l = Elementwise.sum(t, Elementwise.mul(t, logits, t.constant(logits.rows, logits.cols, weights)));
        if (backward) t.backward(l);
        return l.item();
    }

    /**
     * Tolerance |analytic − numeric| ≤ 1e-6 · max(1, |numeric|): the pass is double precision and smooth, so central
     * differences with h = 1e-5 are accurate to about 1e-9; a wrong rule is off by O(1).
     */
    @Test
    void gradientsMatchFiniteDifferencesThroughTheForwardPass() {
        Lora lora = randomLora(5);
        int[] tokens = model.tokenizer().encode("Once upon a time");
        Random r = new Random(9);
        double[] w = new double[tokens.length * model.config().vocabSize()];
        for (int i = 0; i < w.length; i++) w[i] = r.nextGaussian();
        loss(lora, tokens, w, true);
        double h = 1e-5;
        int checked = 0;
        for (Param p : lora.params()) {
            double[] analytic = p.grad.clone();
            for (int k = 0; k < 10; k++) {
                int e = r.nextInt(p.value.length);
                double keep = p.value[e];
                p.value[e] = keep + h;
                double up = loss(lora, tokens, w, false);
                p.value[e] = keep - h;
                double down = loss(lora, tokens, w, false);
                p.value[e] = keep;
                double numeric = (up - down) / (2 * h);
                assertEquals(numeric, analytic[e], 1e-6 * Math.max(1, Math.abs(numeric)), p.name + "[" + e + "]");
                if (Math.abs(numeric) > 1e-3) checked++;
            }
        }
        assertTrue(checked > 40, "most checked gradients are non-trivial: " + checked);
    }

    @Test
    void freshLoraStartsAtTheUnchangedModel() {
        Lora lora = new Lora(model, new int[]{0, 2}, Lora.WEIGHTS, 4, 8, 1);
        int[] tokens = model.tokenizer().encode("The dog ran");
        double[] plain = new DifferentiableForward(model).run(new Tape(), tokens, TrainingHooks.NONE).logits().value;
        double[] adapted = new DifferentiableForward(model).run(new Tape(), tokens, lora).logits().value;
        assertArrayEquals(plain, adapted, 0);
        assertEquals(2 * 2 * 7, lora.params().size());
        assertEquals(2.0, lora.scale());
        assertEquals(2, lora.lastLayer());
    }

    /**
     * The merged model (W + (alpha/rank)·B·A stored as F32) gives the hooked pass's logits: within 1e-4 through the
     * differentiable pass (only the F32 rounding of W' differs) and 2e-4 through the F32 inference engine (its
     * accumulation order, the tolerance DifferentiableForwardTest uses), while the LoRA itself moves them far more.
     */
    @Test
    void mergedGgufGivesTheHookedLogits() {
        Lora lora = randomLora(11);
        Path out = tmp.resolve("merged.gguf");
        EditedModelWriter.write(model, lora.merged(model), out, "merged", Map.of());
        int[] tokens = model.tokenizer().encode("Once upon a time, there was a little dog");
        double[] hooked = new DifferentiableForward(model).run(new Tape(), tokens, lora).logits().value;
        double[] plain = new DifferentiableForward(model).run(new Tape(), tokens, TrainingHooks.NONE).logits().value;
        try (Model merged = Model.load(out)) {
            double[] viaTape = new DifferentiableForward(merged).run(new Tape(), tokens, TrainingHooks.NONE).logits().value;
            float[] viaEngine = new ForwardPass(merged).forward(new SequenceState(merged), tokens, true);
            assertTrue(maxDiff(hooked, viaTape) < 1e-4, "differentiable pass of the merged model: " + maxDiff(hooked, viaTape));
            double[] engine = new double[viaEngine.length];
            for (int i = 0; i < engine.length; i++) engine[i] = viaEngine[i];
            assertTrue(maxDiff(hooked, engine) < 2e-4, "inference engine on the merged model: " + maxDiff(hooked, engine));
        }
        assertTrue(maxDiff(hooked, plain) > 0.1, "the LoRA changes the logits: " + maxDiff(hooked, plain));
    }

    @Test
    void adapterFileRoundTripsInLlamaCppLayout() {
        Lora lora = randomLora(3);
        Path f = tmp.resolve("adapter.gguf");
        LoraAdapterFile.write(lora, model, f, "test adapter", Map.of("steer4j.adapter.method", "test"));
        try (GGUFFile g = GGUFFile.open(f)) {
            assertEquals("adapter", g.getString("general.type", null));
            assertEquals("lora", g.getString("adapter.type", null));
            assertEquals("llama", g.getString("general.architecture", null));
            assertEquals(3.0f, g.getFloat("adapter.lora.alpha", 0));
            assertEquals(12, g.tensors().size());
            GGUFTensorInfo a = g.requireTensor("blk.3.ffn_down.weight.lora_a"), b = g.requireTensor("blk.3.ffn_down.weight.lora_b");
            assertArrayEquals(new long[]{172, 2}, a.dims()); // [in, rank]
            assertArrayEquals(new long[]{2, 64}, b.dims()); // [rank, out]
            assertArrayEquals(new long[]{64, 2}, g.requireTensor("blk.1.attn_v.weight.lora_a").dims());
            assertArrayEquals(new long[]{2, 32}, g.requireTensor("blk.1.attn_v.weight.lora_b").dims());
        }
        Lora back = LoraAdapterFile.read(f);
        assertEquals(2, back.rank());
        assertEquals(3.0, back.alpha());
        assertEquals(lora.params().stream().map(p -> p.name).sorted().toList(), back.params().stream().map(p -> p.name).sorted().toList());
        for (Lora.Pair p : lora.pairs()) {
            Lora.Pair q = back.pairs().stream().filter(x -> x.weight().equals(p.weight())).findFirst().orElseThrow();
            assertEquals(p.out(), q.out());
            assertEquals(p.in(), q.in());
            for (int i = 0; i < p.a().value.length; i++) assertEquals((float) p.a().value[i], q.a().value[i], 0.0);
            for (int i = 0; i < p.b().value.length; i++) assertEquals((float) p.b().value[i], q.b().value[i], 0.0);
        }
    }

    @Test
    void readingAModelAsAnAdapterSaysWhatIsWrong() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraAdapterFile.read(stories260K()));
        assertTrue(e.getMessage().endsWith("general.type is '', expected 'adapter' (is this a model rather than a LoRA adapter?)"), e.getMessage());
    }

    @Test
    void mergingIntoAModelOfOtherShapeIsRefused() {
        Lora lora = new Lora(1, 1);
        lora.add(new Lora.Pair("blk.0.attn_k.weight", new Param("a", 1, 64), new Param("b", 64, 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lora.merged(model));
        assertEquals("LoRA tensor 'blk.0.attn_k.weight' adapts 64x64 but the model's is 32x64 (wrong base model?)", e.getMessage());
    }

    static double maxDiff(double[] a, double[] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
        return m;
    }
}
