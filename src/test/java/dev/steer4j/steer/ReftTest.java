package dev.steer4j.steer;

import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static dev.steer4j.testutil.Fixtures.stories260K;
import static org.junit.jupiter.api.Assertions.*;

/** LoReFT's positions grammar, its file format and the edit {@code h + Rᵀ(W h + b − R h)} it makes. */
class ReftTest {
    static Model model;
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() { model = Model.load(stories260K()); }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void positionsParseAndSelectTheFirstAndLastPromptPositions() {
        ReftPositions p = ReftPositions.parse("f1+l2");
        assertEquals("f1+l2", p.toString());
        boolean[] expect = {true, false, false, true, true, false, false}; // prompt of 5: 0, 3, 4; never the generated 5, 6
        for (int i = 0; i < expect.length; i++) assertEquals(expect[i], p.test(i, 5), "position " + i);
        assertEquals("l1", ReftPositions.parse("L1").toString());
        assertTrue(ReftPositions.parse("all").test(100, 5));
        assertFalse(ReftPositions.parse("prompt").test(5, 5));
        for (String bad : new String[]{"x", "f0", "f1+", "+l1", ""}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ReftPositions.parse(bad));
            assertEquals("ReFT positions '" + bad + "': expected all, prompt, fN, lM or fN+lM (first N / last M prompt positions)", e.getMessage());
        }
    }

    @Test
    void applyIsTheLoReftEditComputedInDoublePrecision() {
        int dim = 8, rank = 2;
        Random rnd = new Random(3);
        float[] r = gaussian(rnd, rank * dim), w = gaussian(rnd, rank * dim), b = gaussian(rnd, rank), h = gaussian(rnd, dim);
        ReftIntervention reft = new ReftIntervention(dim, rank, ReftPositions.ALL, Map.of(0, new ReftIntervention.Layer(r, w, b)), Map.of());
        float[] out = h.clone();
        reft.apply(0, out, 0);
        for (int j = 0; j < dim; j++) {
            double s = h[j];
            for (int k = 0; k < rank; k++) {
                double wh = b[k], rh = 0;
                for (int i = 0; i < dim; i++) {
                    wh += w[k * dim + i] * (double) h[i];
                    rh += r[k * dim + i] * (double) h[i];
                }
                s += r[k * dim + j] * (wh - rh);
            }
            assertEquals(s, out[j], 1e-5, "component " + j);
        }
        // W = R and b = 0 is the identity: the trainer's starting point changes nothing.
        float[] same = h.clone();
        new ReftIntervention(dim, rank, ReftPositions.ALL, Map.of(0, new ReftIntervention.Layer(r, r.clone(), new float[rank])), Map.of()).apply(0, same, 0);
        assertArrayEquals(h, same, 1e-6f);
    }

    @Test
    void aFileRoundTripsAndFitsTheModel() {
        int dim = model.config().dim(), rank = 3;
        Random rnd = new Random(5);
        ReftIntervention reft = new ReftIntervention(dim, rank, ReftPositions.edges(2, 1),
                Map.of(1, new ReftIntervention.Layer(gaussian(rnd, rank * dim), gaussian(rnd, rank * dim), gaussian(rnd, rank)),
                        3, new ReftIntervention.Layer(gaussian(rnd, rank * dim), gaussian(rnd, rank * dim), gaussian(rnd, rank))),
                Map.of("dataset", "demo.jsonl"));
        Path f = tmp.resolve("r.gguf");
        ReftFile.write(f, reft, "llama");
        ReftIntervention back = ReftFile.readFor(f, model);
        assertEquals(rank, back.rank());
        assertEquals("f2+l1", back.positions().toString());
        assertEquals(reft.layers().keySet(), back.layers().keySet());
        for (int l : reft.layers().keySet()) {
            assertArrayEquals(reft.layers().get(l).rotation(), back.layers().get(l).rotation());
            assertArrayEquals(reft.layers().get(l).weight(), back.layers().get(l).weight());
            assertArrayEquals(reft.layers().get(l).bias(), back.layers().get(l).bias());
        }
        assertEquals("demo.jsonl", back.metadata().get("dataset"));
        assertEquals("ReftIntervention[rank 3, layers [1, 3], positions f2+l1, n_embd " + dim + "]", back.toString());
    }

    @Test
    void badFilesAreRefusedNamingTheFileAndTheProblem() throws Exception {
        Path notAdapter = tmp.resolve("vector.gguf");
        GGUFWriter w = new GGUFWriter();
        w.putString("general.architecture", "controlvector");
        w.addF32("direction.1", new long[]{4}, new float[4]);
        w.write(notAdapter);
        VectorFileException e = assertThrows(VectorFileException.class, () -> ReftFile.read(notAdapter));
        assertEquals("ReFT file " + notAdapter + ": adapter.type is missing, expected 'loreft'", e.getMessage());

        Path wrongShape = tmp.resolve("shape.gguf");
        w = header(4, 2);
        w.addF32("blk.0.loreft.rotation", new long[]{4, 3}, new float[12]);
        w.write(wrongShape);
        e = assertThrows(VectorFileException.class, () -> ReftFile.read(wrongShape));
        assertEquals("ReFT file " + wrongShape + ": tensor blk.0.loreft.rotation has shape [4, 3], expected [4, 2]", e.getMessage());

        Path missing = tmp.resolve("missing.gguf");
        w = header(4, 1);
        w.addF32("blk.0.loreft.rotation", new long[]{4, 1}, new float[4]);
        w.addF32("blk.0.loreft.weight", new long[]{4, 1}, new float[4]);
        w.write(missing);
        e = assertThrows(VectorFileException.class, () -> ReftFile.read(missing));
        assertEquals("ReFT file " + missing + ": layer 0 has no tensor blk.0.loreft.bias", e.getMessage());

        Path narrow = tmp.resolve("narrow.gguf");
        ReftFile.write(narrow, new ReftIntervention(4, 1, ReftPositions.ALL,
                Map.of(0, new ReftIntervention.Layer(new float[4], new float[4], new float[1])), Map.of()), "llama");
        IllegalArgumentException fit = assertThrows(IllegalArgumentException.class, () -> ReftFile.readFor(narrow, model));
        assertTrue(fit.getMessage().startsWith("ReFT file " + narrow + " has n_embd 4 but model "), fit.getMessage());
        assertTrue(fit.getMessage().endsWith(" has " + model.config().dim()), fit.getMessage());
    }

    private static GGUFWriter header(int dim, int rank) {
        GGUFWriter w = new GGUFWriter();
        w.putString("general.type", "adapter");
        w.putString("general.architecture", "llama");
        w.putString("adapter.type", "loreft");
        w.putUInt32("adapter.loreft.rank", rank);
        w.putUInt32("adapter.loreft.n_embd", dim);
        return w;
    }

    private static float[] gaussian(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) rnd.nextGaussian();
        return a;
    }
}
