package dev.steer4j.read;

import dev.steer4j.util.Auroc;

import dev.steer4j.eval.HappySad;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Projection reading, logit lens, cosine matrix and concept-detection AUROC. */
class ReadingTest {
    static Model model;
    static ForwardPass fp;
    static SteeringVector happySad;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.stories260K());
        fp = new ForwardPass(model);
        happySad = HappySad.vector(fp, 1, 4);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void projectionIsTheDotWithTheUnitDirection() {
        HookPoint p = HookPoint.residPost(3);
        Projection.Reading r = Projection.read(fp, "Tom was sad. He cried.", p, happySad.get(3));
        int[] ids = model.tokenizer().encode("Tom was sad. He cried.");
        assertArrayEquals(ids, r.tokens());
        float[][] rows = ActivationCache.run(fp, ids, List.of(p)).get(p);
        float[] v = happySad.get(3);
        double norm = 0;
        for (float x : v) norm += (double) x * x;
        norm = Math.sqrt(norm);
        for (int t = 0; t < ids.length; t++) {
            double d = 0;
            for (int i = 0; i < v.length; i++) d += (double) rows[t][i] * v[i];
            assertEquals(d / norm, r.scores()[t], 1e-9);
        }
        assertEquals(" sa", r.pieces()[4]); // <s> " T" "om" " was" " sa" "d"
    }

    @Test
    void logitLensIsTheUnembeddingOfTheNormalisedDirection() {
        float[] v = happySad.get(1);
        LogitLens.Result r = LogitLens.lens(model, v, 5);
        // independent float64 computation: rmsnorm(v) * output_norm, then a dot with each unembedding row
        int dim = v.length;
        double ss = 0;
        for (float x : v) ss += (double) x * x;
        double inv = 1 / Math.sqrt(ss / dim + model.config().rmsEps());
        float[] g = model.outputNorm();
        for (int tok = 0; tok < model.config().vocabSize(); tok++) {
            float[] row = model.output().row(tok);
            double d = 0;
            for (int i = 0; i < dim; i++) d += v[i] * inv * g[i] * row[i];
            // float32 rmsnorm and dot kernels against float64: the difference is float rounding of 64-term sums
            assertEquals(d, r.logits()[tok], 1e-4);
        }
        for (int i = 1; i < 5; i++) {
            assertTrue(r.promoted().get(i - 1).score() >= r.promoted().get(i).score());
            assertTrue(r.suppressed().get(i - 1).score() <= r.suppressed().get(i).score());
        }
        // the happy − sad direction at layer 1 promotes ' happy' above every other token
        assertEquals(393, r.promoted().getFirst().id());
        assertEquals(" happy", r.promoted().getFirst().text());
    }

    @Test
    void cosineMatrix() {
        Map<String, float[]> d = new LinkedHashMap<>();
        d.put("x", new float[]{1, 0});
        d.put("y", new float[]{0, 2});
        d.put("xy", new float[]{1, 1});
        d.put("-x", new float[]{-3, 0});
        CosineMatrix.Result r = CosineMatrix.ofDirections(d);
        assertEquals(List.of("x", "y", "xy", "-x"), r.labels());
        assertEquals(1, r.values()[0][0], 1e-12);
        assertEquals(0, r.values()[0][1], 1e-12);
        assertEquals(Math.sqrt(0.5), r.values()[1][2], 1e-12);
        assertEquals(-1, r.values()[3][0], 1e-12);
        assertEquals(r.values()[2][1], r.values()[1][2]);
        CosineMatrix.Result m = CosineMatrix.of(Map.of("hs", happySad));
        assertEquals(List.of("hs@1", "hs@2", "hs@3", "hs@4"), m.labels());
        // against a cosine written out here, not CosineMatrix's own
        float[] a = happySad.get(2), b = happySad.get(4);
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        assertEquals(dot / Math.sqrt(na * nb), m.values()[1][3], 1e-12);
        assertEquals(1, m.values()[2][2], 1e-12);
    }

    @Test
    void aurocCountsPairsAndHalfTies() {
        assertEquals(1.0, Auroc.of(new double[]{3, 4}, new double[]{1, 2}));
        assertEquals(0.0, Auroc.of(new double[]{1}, new double[]{2, 3}));
        // pairs: (2>1) (2=2 half) (2<3) | (5>1) (5>2) (5>3) -> 4.5 / 6
        assertEquals(0.75, Auroc.of(new double[]{2, 5}, new double[]{1, 2, 3}), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Auroc.of(new double[0], new double[]{1}));
        assertEquals("AUROC needs at least one positive and one negative (got 0 and 1)", e.getMessage());
    }

    @Test
    void conceptDetectionAurocPerLayerMatchesABruteForceCount() {
        List<String> pos = List.of("Lily was so happy.", "The happy dog ran.", "Tom smiled, he was happy", "Mom was happy");
        List<String> neg = List.of("Lily was so sad.", "The sad dog sat.", "Tom cried, he was sad", "Mom was sad");
        Map<Integer, ConceptDetection.LayerResult> r = ConceptDetection.evaluate(fp, happySad, HookSite.RESID_POST, pos, neg, ConceptDetection.Aggregate.LAST, Progress.NONE);
        assertEquals(List.of(1, 2, 3, 4), new ArrayList<>(r.keySet()));
        for (int layer = 1; layer <= 4; layer++) {
            HookPoint p = HookPoint.residPost(layer);
            double[] ps = lastProjections(pos, p, happySad.get(layer)), ns = lastProjections(neg, p, happySad.get(layer));
            double wins = 0;
            for (double a : ps) for (double b : ns) wins += a > b ? 1 : a == b ? 0.5 : 0;
            assertEquals(wins / (ps.length * ns.length), r.get(layer).auroc(), 1e-12, "layer " + layer);
            assertArrayEquals(ps, r.get(layer).positiveScores(), 1e-9);
        }
        // sentences ending in the emotion word are the easy case: every layer separates them better than chance
        for (var lr : r.values()) assertTrue(lr.auroc() > 0.5, "layer " + lr.layer() + " AUROC " + lr.auroc());
    }

    private static double[] lastProjections(List<String> texts, HookPoint p, float[] v) {
        double[] out = new double[texts.size()];
        for (int i = 0; i < out.length; i++) {
            float[][] rows = ActivationCache.run(fp, model.tokenizer().encode(texts.get(i)), List.of(p)).get(p);
            out[i] = Projection.project(new float[][]{rows[rows.length - 1]}, v)[0];
        }
        return out;
    }
}
