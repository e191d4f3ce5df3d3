package dev.steer4j.steer.extract;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Extraction on the bundled stories260K model. */
class ExtractionTest {
    static Model model;
    static ForwardPass fp;
    static ContrastiveDataset happySad;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.stories260K());
        fp = new ForwardPass(model);
        happySad = Datasets.happySad();
    }

    @AfterAll
    static void close() { model.close(); }

    /**
     * Steering with the extracted vector at -1, 0, +1 must move the log-odds of happy over sad words (mean over
     * four neutral contexts; see {@link SentimentTarget}) monotonically, each step by more than {@value #MARGIN}
     * nats. Measured steps are 0.7 to 2 nats, so the margin leaves room for float noise while still failing for a
     * vector that does not steer (or steers the wrong way).
     */
    static final double MARGIN = 0.25;

    private static double[] assertMonotone(String what, SteeringVector v, double margin) {
        SentimentTarget t = new SentimentTarget(model, fp);
        double lo = t.score(Steering.none().add(v, -1)).logOdds();
        double mid = t.score(Steering.none()).logOdds();
        double hi = t.score(Steering.none().add(v, 1)).logOdds();
        System.out.printf("%-24s log-odds at -1/0/+1: %.3f %.3f %.3f%n", what, lo, mid, hi);
        assertTrue(mid - lo > margin, what + ": -1 gives " + lo + ", 0 gives " + mid);
        assertTrue(hi - mid > margin, what + ": 0 gives " + mid + ", +1 gives " + hi);
        return new double[]{lo, mid, hi};
    }

    private static double[] assertMonotone(String what, SteeringVector v) { return assertMonotone(what, v, MARGIN); }

    @Test
    void everyMethodSteersSentimentMonotonically() {
        for (Method m : List.of(Method.MEAN, Method.PCA_DIFF, Method.PCA_CENTER, Method.PROBE)) {
            ExtractionResult r = Extraction.builder(model).method(m).layers(1, 2, 3, 4).read(ReadPosition.MEAN).forwardPass(fp).run(happySad);
            assertEquals(List.of(1, 2, 3, 4), List.copyOf(r.vector().layers().keySet()));
            assertMonotone(m.id, r.vector());
        }
        ContrastiveDataset lists = ContrastiveDataset.ofLists("happy-vs-sad", happySad.positiveTexts(), happySad.negativeTexts());
        assertMonotone("probe (lists)", Extraction.builder(model).method(Method.PROBE).layers(1, 2, 3, 4)
                .read(ReadPosition.MEAN).forwardPass(fp).run(lists).vector());
        // ActAdd: one pair, padded, the mean of the rows where the prompts differ; one layer as in the paper
        assertMonotone("actadd (pair 0)", Extraction.builder(model).method(Method.ACTADD).pair(0).layers(2).forwardPass(fp).run(happySad).vector());
    }

    @Test
    void pcaCenterOnUnpairedListsFindsTheLargestVarianceNotTheContrast() {
        // Without pairs, pca-center centres on the midpoint of the class means and takes the top component of all
        // activations: the direction of largest spread, which for these sentences is mostly content, not mood. It
        // still points the right way (sign convention), but steers far less than the paired methods (measured
        // log-odds steps ~0.14 vs ~0.76); asserted: monotone by > 0.05 nats a step, and each step smaller than pairs'.
        ContrastiveDataset lists = ContrastiveDataset.ofLists("happy-vs-sad", happySad.positiveTexts(), happySad.negativeTexts());
        ExtractionResult unpaired = Extraction.builder(model).method(Method.PCA_CENTER).layers(1, 2, 3, 4).read(ReadPosition.MEAN).forwardPass(fp).run(lists);
        ExtractionResult paired = Extraction.builder(model).method(Method.PCA_CENTER).layers(1, 2, 3, 4).read(ReadPosition.MEAN).forwardPass(fp).run(happySad);
        double[] u = assertMonotone("pca-center (lists)", unpaired.vector(), 0.05);
        double[] p = assertMonotone("pca-center (pairs)", paired.vector());
        assertTrue(u[2] - u[0] < p[2] - p[0]);
        // the best layer's separation tells the same story (measured d 0.29 unpaired vs 1.36 paired)
        assertTrue(unpaired.best().standardizedDifference() < paired.best().standardizedDifference());
    }

    @Test
    void separationReportAndMetadata() {
        ExtractionResult r = Extraction.builder(model).method(Method.MEAN).layers(1, 2, 3, 4).read(ReadPosition.MEAN).run(happySad);
        assertEquals(4, r.separation().size());
        for (LayerSeparation s : r.separation()) {
            assertEquals(24, s.positives());
            assertEquals(24, s.negatives());
            // mean difference over tokens separates the 24 training pairs well at every layer (measured 0.94-0.96)
            assertTrue(s.auroc() > 0.85 && s.auroc() <= 1, "layer " + s.layer() + " auroc " + s.auroc());
            assertTrue(s.standardizedDifference() > 1.5, "layer " + s.layer() + " d " + s.standardizedDifference());
            assertEquals(SteeringVector.norm(r.vector().get(s.layer())), s.norm(), 1e-5);
        }
        var md = r.vector().metadata();
        assertEquals("mean", md.method());
        assertEquals("resid_post", md.site());
        assertEquals("mean", md.readPosition());
        assertEquals("happy_sad", md.dataset());
        assertEquals(happySad.sha256(), md.datasetHash());
        assertEquals(model.config().name(), md.model());
        assertEquals("1-4", md.extra().get("layers"));
        String table = r.table();
        assertTrue(table.startsWith("layer     auroc      d(sd)       norm   samples"), table);
        assertEquals(5, table.lines().count());
        assertEquals(1, table.chars().filter(c -> c == '*').count(), "exactly one best layer is marked");
    }

    private static float[][] rows(int[] tokens, int layer, HookSite site) {
        return ActivationCache.run(fp, tokens, List.of(HookPoint.of(site, layer))).get(HookPoint.of(site, layer));
    }

    @Test
    void readPositionsReadTheRightRows() {
        var tok = model.tokenizer();
        String p = "The happy dog ran to the park.", n = "The sad dog ran to the park.";
        ContrastiveDataset one = ContrastiveDataset.ofPairs("one", List.of(p), List.of(n));
        int[] tp = tok.encode(p), tn = tok.encode(n);
        int layer = 3;
        float[][] rp = rows(tp, layer, HookSite.MLP_OUT), rn = rows(tn, layer, HookSite.MLP_OUT);

        // last token, at another site
        float[] last = Extraction.builder(model).layers(layer).site("mlp_out").read(ReadPosition.LAST).run(one).vector().get(layer);
        for (int i = 0; i < last.length; i++) assertEquals(rp[tp.length - 1][i] - rn[tn.length - 1][i], last[i], 1e-6);

        // mean over tokens, BOS excluded
        float[] mean = Extraction.builder(model).layers(layer).site("blocks.0.hook_mlp_out").read(ReadPosition.MEAN).run(one).vector().get(layer);
        for (int i = 0; i < mean.length; i++) {
            double a = 0, b = 0;
            for (int r = 1; r < tp.length; r++) a += rp[r][i];
            for (int r = 1; r < tn.length; r++) b += rn[r][i];
            assertEquals(a / (tp.length - 1) - b / (tn.length - 1), mean[i], 1e-5);
        }

        // diff: "happy" is one token, "sad" two, so the positive is padded with the space token at the end, and every
        // row from the first differing token on is a sample
        int space = tok.encode(" ", false, false)[0];
        assertEquals(tp.length + 1, tn.length, "the test relies on 'happy' = 1 token and 'sad' = 2 tokens");
        int[] padded = Arrays.copyOf(tp, tn.length);
        padded[tn.length - 1] = space;
        float[][] rpp = rows(padded, layer, HookSite.MLP_OUT);
        int first = 0;
        while (padded[first] == tn[first]) first++;
        assertEquals(2, first); // BOS, "The"
        float[] diff = Extraction.builder(model).layers(layer).site(HookSite.MLP_OUT).read(ReadPosition.DIFF).run(one).vector().get(layer);
        for (int i = 0; i < diff.length; i++) {
            double s = 0;
            for (int r = first; r < tn.length; r++) s += rpp[r][i] - rn[r][i];
            assertEquals(s / (tn.length - first), diff[i], 1e-5);
        }
        // ActAdd pads the same way and reads diff by default
        SteeringVector act = Extractor.actAdd(model, p, n, layer);
        assertEquals("diff", act.metadata().readPosition());
        assertEquals("actadd", act.metadata().method());
        // actadd at resid_post equals the mean-difference with read=diff on the one pair
        float[] md = Extraction.builder(model).layers(layer).read(ReadPosition.DIFF).run(one).vector().get(layer);
        assertArrayEquals(md, act.get(layer), 0f);
    }

    @Test
    void caaReadsAtTheAnswerLetter() {
        ContrastiveDataset caa = Datasets.caa(Fixtures.resource("data/caa_refusal_slice.json")).limit(2);
        ExtractionResult byDefault = Extraction.builder(model).layers(2).run(caa);
        assertEquals("answer", byDefault.vector().metadata().readPosition());
        // the prompts end in the letter, so the answer token is the last token
        assertArrayEquals(Extraction.builder(model).layers(2).read(ReadPosition.LAST).run(caa).vector().get(2), byDefault.vector().get(2), 0f);

        // with text after the letter (CAA's "(A)" with its closing parenthesis), the answer token is no longer last
        ContrastiveDataset closed = Datasets.caa(Fixtures.resource("data/caa_refusal_slice.json"), "{question}\n\nAnswer: ({letter})").limit(2);
        float[] answer = Extraction.builder(model).layers(2).run(closed).vector().get(2);
        assertArrayEquals(byDefault.vector().get(2), answer, 1e-6f, "reading at the letter ignores the text after it");
        float[] last = Extraction.builder(model).layers(2).read(ReadPosition.LAST).run(closed).vector().get(2);
        assertFalse(Arrays.equals(answer, last));
    }

    @Test
    void progressCountsEveryPrompt() {
        int[] seen = new int[2];
        Extraction.builder(model).layers(1).run(happySad.limit(5), (done, total) -> { seen[0] = done; seen[1] = total; });
        assertArrayEquals(new int[]{10, 10}, seen);
    }

    private static String error(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    @Test
    void badRequestsAreNamed() {
        assertEquals("unknown extraction method 'svd' (valid: actadd, mean, pca-diff, pca-center, probe)", error(() -> Method.parse("svd")));
        assertEquals("unknown read position 'first' (valid: last, mean, answer, diff)", error(() -> ReadPosition.parse("first")));
        assertEquals("unknown hook site 'resid' (valid: resid_pre, attn_out, resid_mid, mlp_out, resid_post)", error(() -> Extraction.parseSite("resid")));
        assertEquals("method actadd uses one pair, but dataset happy_sad has 24 (choose one with pair/--pair 0..23)",
                error(() -> Extraction.builder(model).method(Method.ACTADD).run(happySad)));
        ContrastiveDataset uneven = Datasets.lists(Fixtures.resource("data/harmful_train_slice.json"), Fixtures.resource("data/harmless_train_slice.json"));
        assertEquals("unequal pair counts: " + Fixtures.resource("data/harmful_train_slice.json") + " has 6 positive prompts but "
                        + Fixtures.resource("data/harmless_train_slice.json") + " has 9 negative prompts (method pca-diff pairs them by index)",
                error(() -> Extraction.builder(model).method(Method.PCA_DIFF).run(uneven)));
        assertTrue(error(() -> Extraction.builder(model).read(ReadPosition.DIFF).run(uneven)).startsWith("unequal pair counts: "));
        assertEquals("read position 'answer' needs prompts with a marked answer token (format caa); dataset happy_sad (format pairs) has none; use --read last, mean or diff",
                error(() -> Extraction.builder(model).read(ReadPosition.ANSWER).run(happySad)));
        assertEquals("hook point 'blocks.7.hook_resid_post': layer 7 does not exist (the model has layers 0-4)",
                error(() -> Extraction.builder(model).layers(7).run(happySad)));
    }

    @Test
    void differenceInMeansOnUnequalLists() {
        // mean difference does not need pairs: 6 harmful vs 9 harmless prompts
        ContrastiveDataset uneven = Datasets.lists(Fixtures.resource("data/harmful_train_slice.json"), Fixtures.resource("data/harmless_train_slice.json"));
        ExtractionResult r = Extraction.builder(model).layers(2).run(uneven);
        assertEquals(6, r.separation().get(0).positives());
        assertEquals(9, r.separation().get(0).negatives());
        var tok = model.tokenizer();
        float[] expected = new float[model.config().dim()];
        for (int side = 0; side < 2; side++) {
            List<String> texts = side == 0 ? uneven.positiveTexts() : uneven.negativeTexts();
            for (String s : texts) {
                int[] t = tok.encode(s);
                float[] last = rows(t, 2, HookSite.RESID_POST)[t.length - 1];
                for (int i = 0; i < expected.length; i++) expected[i] += (side == 0 ? 1f / texts.size() : -1f / texts.size()) * last[i];
            }
        }
        assertArrayEquals(expected, r.vector().get(2), 1e-4f);
    }
}
