package dev.steer4j.steer;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** llama.cpp control-vector GGUF and JSON vector files: round trips, llama.cpp compatibility, and bad input. */
class VectorFilesTest {
    static Model model;
    static ForwardPass fp;
    static final int[] TOKENS = {1, 403, 407, 261, 378};
    @TempDir
    Path tmp;

    @BeforeAll
    static void load() {
        model = Model.load(stories260K());
        fp = new ForwardPass(model);
    }

    @AfterAll
    static void close() { model.close(); }

    static float[] logits(Steering s) {
        SequenceState seq = new SequenceState(model);
        try (var a = s.applyTo(seq)) {
            return fp.forward(seq, TOKENS, true).clone();
        }
    }

    static Path cvec(int i) { return resource("reference/stories260K/cvec-" + i + ".gguf"); }

    @Test
    void llamaCppFilesLoadWithTheirLayersAndWidth() {
        SteeringVector v = ControlVectorFile.read(cvec(0));
        assertEquals(64, v.dim());
        assertEquals(java.util.List.of(1, 2, 3, 4), java.util.List.copyOf(v.layers().keySet()));
        assertEquals("llama", v.metadata().extra().get("model_hint"));
        assertEquals("llama.cpp", v.metadata().method());
        SteeringVector two = ControlVectorFile.read(cvec(2));
        assertEquals(java.util.Set.of(2), two.layers().keySet());
    }

    @Test
    void writeReadApplyGivesIdenticalLogitsAndKeepsMetadata() {
        SteeringVector v = ControlVectorFile.read(cvec(1)).withMetadata(new VectorMetadata("mean", "resid_post", "last",
                "happy-sad", "ab12", "stories260K", Map.of("note", "test")));
        Path out = tmp.resolve("v.gguf");
        ControlVectorFile.write(out, v);
        SteeringVector back = ControlVectorFile.read(out);
        assertEquals(v, back);
        assertEquals("mean", back.metadata().method());
        assertEquals("last", back.metadata().readPosition());
        assertEquals("happy-sad", back.metadata().dataset());
        assertEquals("ab12", back.metadata().datasetHash());
        assertEquals("stories260K", back.metadata().model());
        assertEquals("test", back.metadata().extra().get("note"));
        try (GGUFFile f = GGUFFile.open(out)) {
            assertEquals("controlvector", f.requireString("general.architecture"));
            assertEquals("llama", f.requireString("controlvector.model_hint"));
            assertEquals(4, f.requireInt("controlvector.layer_count"));
            assertEquals(ControlVectorFile.VERSION, f.requireString("steer4j.version"));
        }
        assertArrayEquals(logits(Steering.none().add(v, 0.7)), logits(Steering.none().add(back, 0.7)));
        // and the logits really are steered
        assertTrue(maxAbsDiff(logits(Steering.none()), logits(Steering.none().add(back, 0.7)), 0) > 0.1);
    }

    @Test
    void jsonRoundTripIsExact() {
        SteeringVector v = ControlVectorFile.read(cvec(0)).withMetadata(new VectorMetadata("pca-diff", "resid_post", "diff",
                "d", null, "m", Map.of("k", "v")));
        Path out = tmp.resolve("v.json");
        VectorFiles.write(out, v);
        SteeringVector back = VectorFiles.read(out);
        assertEquals(v, back);
        assertEquals("pca-diff", back.metadata().method());
        assertEquals("v", back.metadata().extra().get("k"));
        assertArrayEquals(logits(Steering.none().add(v, -1.5)), logits(Steering.none().add(back, -1.5)));
        // JSON -> GGUF keeps directions and provenance
        Path g = tmp.resolve("v.gguf");
        VectorFiles.write(g, back);
        SteeringVector g2 = VectorFiles.read(g);
        assertEquals(back, g2);
        assertEquals(back.metadata().readPosition(), g2.metadata().readPosition());
        assertEquals("v", g2.metadata().extra().get("k"));
    }

    @Test
    void mismatchedWidthIsRefusedNamingFileAndModel() {
        Path out = tmp.resolve("wide.gguf");
        ControlVectorFile.write(out, SteeringVector.single(1, new float[128], null));
        var e = assertThrows(VectorFileException.class, () -> ControlVectorFile.readFor(out, model));
        assertEquals("vector file " + out + " has n_embd 128 but model " + Steering.modelName(model) + " has 64", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> Steering.none().add(ControlVectorFile.read(out), 1).applyTo(new SequenceState(model)));
        assertEquals("vector file " + out + " has n_embd 128 but model " + Steering.modelName(model) + " has 64", e2.getMessage());
    }

    @Test
    void directionZeroIsRefusedLikeLlamaCpp() throws Exception {
        Path out = tmp.resolve("zero.gguf");
        new GGUFWriter().putString("general.architecture", "controlvector")
                .addF32("direction.0", new long[]{64}, new float[64])
                .addF32("direction.1", new long[]{64}, new float[64]).write(out);
        var e = assertThrows(VectorFileException.class, () -> ControlVectorFile.read(out));
        assertEquals("vector file " + out + ": tensor direction.0 is not allowed (llama.cpp control vectors start at layer 1 and llama.cpp refuses files with direction.0)", e.getMessage());
        var w = assertThrows(VectorFileException.class, () -> ControlVectorFile.write(tmp.resolve("w.gguf"), SteeringVector.single(0, new float[64], null)));
        assertTrue(w.getMessage().contains("layer 0"), w.getMessage());
    }

    @Test
    void layerBeyondTheModelIsRefused() {
        Path out = tmp.resolve("deep.gguf");
        ControlVectorFile.write(out, SteeringVector.of(Map.of(2, new float[64], 7, new float[64]), null));
        var e = assertThrows(VectorFileException.class, () -> VectorFiles.readFor(out, model));
        assertEquals("vector file " + out + " has a direction for layer 7 but model " + Steering.modelName(model) + " has layers 0-4", e.getMessage());
    }

    @Test
    void requestedLayersWithoutDirectionsAreRefused() {
        SteeringVector v = ControlVectorFile.read(cvec(2)); // only direction.2
        var e = assertThrows(IllegalArgumentException.class, () -> Steering.none().add(v, 1, 3, 4, dev.steer4j.runtime.HookSite.RESID_POST, PositionFilter.ALL).applyTo(new SequenceState(model)));
        assertEquals("vector file " + cvec(2) + " has no direction in layers 3-4 (it has layers [2])", e.getMessage());
    }

    @Test
    void missingAndMalformedFilesAreRefused() throws Exception {
        Path missing = tmp.resolve("nope.gguf");
        assertEquals("vector file " + missing + " does not exist", assertThrows(VectorFileException.class, () -> VectorFiles.read(missing)).getMessage());
        Path missingJson = tmp.resolve("nope.json");
        assertEquals("vector file " + missingJson + " does not exist", assertThrows(VectorFileException.class, () -> VectorFiles.read(missingJson)).getMessage());
        var model = assertThrows(VectorFileException.class, () -> ControlVectorFile.read(stories260K()));
        assertTrue(model.getMessage().contains("general.architecture is 'llama'"), model.getMessage());
        Path bad = tmp.resolve("bad.json");
        Files.writeString(bad, "{\"directions\": {\"1\": [0.5, \"x\"]}}");
        assertEquals("vector file " + bad + ": directions.1[1] is \"x\", not a number", assertThrows(VectorFileException.class, () -> VectorFiles.read(bad)).getMessage());
        Path garbage = tmp.resolve("garbage.gguf");
        Files.writeString(garbage, "not a gguf");
        assertTrue(assertThrows(VectorFileException.class, () -> VectorFiles.read(garbage)).getMessage().startsWith("vector file " + garbage + " is not a valid GGUF file"));
    }
}
