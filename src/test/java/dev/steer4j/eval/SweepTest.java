package dev.steer4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;
import dev.steer4j.read.Progress;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Sweeps on the bundled model with the happy − sad vector: direction of the effect, the tax, and resuming. */
class SweepTest {
    static Model model;
    static ForwardPass fp;
    static SteeringVector happySad;
    @TempDir Path dir;

    static final AbDataset DATA = new AbDataset("happy.json", List.of(
            new AbDataset.Item("She felt very", " happy", " sad"),
            new AbDataset.Item("The little dog was", " happy", " sad"),
            new AbDataset.Item("Tom was so", " happy", " sad"),
            new AbDataset.Item("Lily looked at the toy and felt", " happy", " sad"),
            new AbDataset.Item("When the sun came out, everyone was", " happy", " sad")));
    static final List<Double> COEFS = List.of(-1.0, -0.5, 0.0, 0.5, 1.0);

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

    static Sweep.Spec spec(List<Integer> layers) {
        return new Sweep.Spec(happySad, "happy_sad", layers, COEFS, DATA, PromptFormat.AUTO,
                AlignmentTax.defaultCorpus(), "neutral.txt", 64, 192, null, null, null, null, null);
    }

    @Test
    void behaviourRisesWithTheCoefficientAndKlGrowsWithItsSize() throws Exception {
        Path out = dir.resolve("sweep");
        Sweep.Results r = Sweep.run(fp, spec(List.of(2, 4)), out, Progress.NONE);
        assertEquals(10, r.points().size());
        for (int layer : List.of(2, 4)) {
            double prev = Double.NEGATIVE_INFINITY;
            for (double c : COEFS) {
                Sweep.Point p = r.point(layer, c);
                // a real effect, not noise: each step of 0.5 moves the mean probability by at least 0.03
                assertTrue(p.behaviour().mean() > prev + 0.03, "layer " + layer + " coefficient " + c + ": " + p.behaviour().mean() + " after " + prev);
                prev = p.behaviour().mean();
            }
            // coefficient 0 adds a zero vector: the steered distributions are the unsteered ones, bit for bit
            Sweep.Point zero = r.point(layer, 0);
            assertEquals(0.0, zero.tax().meanKl());
            assertEquals(1.0, zero.tax().top1Agreement());
            assertEquals(zero.tax().baselinePerplexity(), zero.tax().perplexity());
            assertEquals(r.baseline().behaviour().mean(), zero.behaviour().mean());
            for (double sign : new double[]{-1, 1}) {
                double half = r.point(layer, 0.5 * sign).tax().meanKl(), full = r.point(layer, sign).tax().meanKl();
                assertTrue(half > 1e-3, "KL at " + 0.5 * sign + " is " + half);
                assertTrue(full > 1.5 * half, "KL at " + sign + " (" + full + ") is not clearly above KL at " + 0.5 * sign + " (" + half + ")");
                assertTrue(r.point(layer, sign).tax().top1Agreement() < 1.0);
            }
        }
        // the report files
        SweepReport.Written w = SweepReport.write(r, out);
        List<String> csv = Files.readAllLines(w.csv());
        assertEquals(11, csv.size());
        assertEquals(String.join(",", SweepReport.CSV_COLUMNS), csv.getFirst());
        assertTrue(csv.get(3).startsWith("2,0," + r.point(2, 0).behaviour().mean() + ","), csv.get(3));
        JsonNode json = new ObjectMapper().readTree(w.json().toFile());
        assertEquals(10, json.get("points").size());
        assertEquals(DATA.items().size(), json.get("points").get(0).get("behaviour").get("items").size());
        assertEquals(List.of("behaviour_vs_coefficient.png", "tax_vs_coefficient.png", "behaviour_vs_tax.png"),
                w.plots().stream().map(p -> p.getFileName().toString()).toList());
        for (Path p : w.plots()) {
            byte[] b = Files.readAllBytes(p);
            assertTrue(b.length > 5000 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G', p + " is not a PNG");
        }
        String html = Files.readString(w.html());
        assertEquals(3, html.split("src=\"data:image/png;base64,").length - 1, "the three plots are inlined");
        assertFalse(html.contains("http://") || html.contains("https://"), "the report loads nothing from the network");
    }

    @Test
    void interruptedSweepResumesToTheSameResults() throws Exception {
        Path straight = dir.resolve("straight"), resumed = dir.resolve("resumed");
        Sweep.Results a = Sweep.run(fp, spec(List.of(1, 3)), straight, Progress.NONE);
        SweepReport.write(a, straight);

        class Stop extends RuntimeException {}
        List<Long> seen = new ArrayList<>();
        assertThrows(Stop.class, () -> Sweep.run(fp, spec(List.of(1, 3)), resumed, (done, total, label) -> {
            seen.add(done);
            if (done == 4) throw new Stop(); // interrupted after the baseline and 3 grid points
        }));
        try (var files = Files.list(resumed.resolve("points"))) {
            assertEquals(4, files.filter(f -> f.toString().endsWith(".json")).count());
        }
        List<Long> firstProgress = new ArrayList<>();
        Sweep.Results b = Sweep.run(fp, spec(List.of(1, 3)), resumed, (done, total, label) -> firstProgress.add(done));
        SweepReport.write(b, resumed);
        assertEquals(11, firstProgress.size());
        assertEquals(Files.readString(straight.resolve("results.json")), Files.readString(resumed.resolve("results.json")));
        assertEquals(Files.readString(straight.resolve("results.csv")), Files.readString(resumed.resolve("results.csv")));

        // a point written by the first run is reused, not recomputed: damage it and the reload does not see it
        // unless it is unreadable, in which case it is recomputed to the same value
        Path p = resumed.resolve("points").resolve("L1_c-0.5.json");
        Files.writeString(p, "{ broken");
        Sweep.Results c = Sweep.run(fp, spec(List.of(1, 3)), resumed, Progress.NONE);
        assertEquals(b.point(1, -0.5).behaviour().mean(), c.point(1, -0.5).behaviour().mean());
    }

    @Test
    void theSettingsMismatchMessageShowsTheDifference() throws Exception {
        Path out = dir.resolve("names");
        String v1 = "experiments/steering/happy_sad_layer2_v1.json", v2 = "experiments/steering/happy_sad_layer2_v2.json";
        Sweep.run(fp, new Sweep.Spec(happySad, v1, List.of(2), List.of(0.0), DATA, PromptFormat.AUTO,
                null, null, 0, 0, null, null, null, null, null), out, Progress.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sweep.run(fp,
                new Sweep.Spec(happySad, v2, List.of(2), List.of(0.0), DATA, PromptFormat.AUTO,
                        null, null, 0, 0, null, null, null, null, null), out, Progress.NONE));
        assertTrue(e.getMessage().startsWith(out + " holds a sweep with other settings: vector (...ppy_sad_layer2_v1.json -> ...ppy_sad_layer2_v2.json)"),
                e.getMessage());
    }

    @Test
    void changedSettingsAreRefusedButAWiderGridIsResumed() throws Exception {
        Path out = dir.resolve("s");
        Sweep.run(fp, new Sweep.Spec(happySad, "happy_sad", List.of(2), List.of(0.0, 1.0), DATA, PromptFormat.AUTO,
                null, null, 0, 0, null, null, null, null, null), out, Progress.NONE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sweep.run(fp,
                new Sweep.Spec(happySad.scale(2), "happy_sad", List.of(2), List.of(0.0, 1.0), DATA, PromptFormat.AUTO,
                        null, null, 0, 0, null, null, null, null, null), out, Progress.NONE));
        assertTrue(e.getMessage().startsWith(out + " holds a sweep with other settings: vector_sha256 ("), e.getMessage());
        assertTrue(e.getMessage().endsWith(". Resume with the same settings, or write to another -o directory"), e.getMessage());

        List<String> labels = new ArrayList<>();
        Sweep.Results wider = Sweep.run(fp, new Sweep.Spec(happySad, "happy_sad", List.of(2, 3), List.of(0.0, 1.0), DATA, PromptFormat.AUTO,
                null, null, 0, 0, null, null, null, null, null), out, (d, t, l) -> labels.add(l));
        assertEquals(4, wider.points().size());
        assertNull(wider.baseline().tax());
    }

    @Test
    void vectorWithoutTheLayerIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sweep.run(fp,
                new Sweep.Spec(happySad, "hs.gguf", List.of(0), COEFS, DATA, PromptFormat.AUTO, null, null, 0, 0, null, null, null, null, null),
                dir.resolve("x"), Progress.NONE));
        assertEquals("vector hs.gguf has no direction for layer 0 (it has layers [1, 2, 3, 4])", e.getMessage());
    }

    @Test
    void taxOfNoSteeringIsZeroAndPerplexityMatchesADirectComputation() {
        AlignmentTax tax = new AlignmentTax(fp, "Once upon a time, there was a little girl named Lily. She loved to play outside.", 8, 0);
        AlignmentTax.Result none = tax.measure(Steering.none());
        assertEquals(0.0, none.meanKl());
        assertEquals(1.0, none.top1Agreement());
        // independent: windows of 8 tokens (BOS + 7), every position predicts the next token of its window
        int[] all = model.tokenizer().encode("Once upon a time, there was a little girl named Lily. She loved to play outside.", false, false);
        double nll = 0;
        int n = 0;
        for (int from = 0; from < all.length; from += 7) {
            int len = Math.min(7, all.length - from);
            int[] win = new int[len + 1];
            win[0] = 1;
            System.arraycopy(all, from, win, 1, len);
            dev.steer4j.runtime.SequenceState seq = new dev.steer4j.runtime.SequenceState(model);
            float[] logits = fp.forward(seq, win, true);
            int vocab = model.config().vocabSize();
            for (int i = 0; i + 1 < win.length; i++) {
                double max = Double.NEGATIVE_INFINITY, s = 0;
                for (int v = 0; v < vocab; v++) max = Math.max(max, logits[i * vocab + v]);
                for (int v = 0; v < vocab; v++) s += Math.exp(logits[i * vocab + v] - max);
                nll -= logits[i * vocab + win[i + 1]] - max - Math.log(s);
                n++;
            }
        }
        assertEquals(n, none.positions());
        // log-probs are stored as float32 in the tax: relative agreement to 1e-6
        assertEquals(Math.exp(nll / n), none.perplexity(), 1e-6 * none.perplexity());
        AlignmentTax.Result steered = tax.measure(Steering.none().add(happySad.restrict(2, 2), 1.0));
        assertTrue(steered.meanKl() > 0.01);
        assertEquals(none.baselinePerplexity(), steered.baselinePerplexity());
    }
}
