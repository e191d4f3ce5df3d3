package dev.steer4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.cli.CliRunner;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code steer4j unlearn --method rmu} end to end on the bundled model and its bundled dog / no-dog corpora. */
class UnlearnCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    @Test
    void forgetPerplexityRisesWhileRetainPerplexityStaysAndTheEditedModelLoads() throws Exception {
        Path out = tmp.resolve("no-dogs.gguf");
        CliRunner.Result r = CliRunner.run("unlearn", "-o", out.toString(), "--steps", "80", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        double fb = j.get("forget_perplexity_before").asDouble(), fa = j.get("forget_perplexity_after").asDouble();
        double rb = j.get("retain_perplexity_before").asDouble(), ra = j.get("retain_perplexity_after").asDouble();
        assertTrue(fa > 1.2 * fb, "forget perplexity rises by > 20%: " + fb + " -> " + fa);
        assertTrue(Math.abs(ra / rb - 1) < 0.05, "retain perplexity stays within 5%: " + rb + " -> " + ra);
        assertTrue(fa / fb - 1 > 10 * Math.abs(ra / rb - 1), "the forget corpus moves far more than the retain corpus");
        assertTrue(j.get("forget_activation_norm_after").asDouble() > j.get("forget_activation_norm_before").asDouble(),
                "forget activations are pushed towards the large random target");

        try (Model edited = Model.load(out)) {
            GGUFFile f = edited.file();
            assertEquals("rmu", f.getString("steer4j.edit.method", null));
            assertEquals("2", f.getString("steer4j.edit.layer", null));
            assertEquals("unlearn_dogs.txt", f.getString("steer4j.edit.forget", null));
        }
        CliRunner.Result g = CliRunner.run("generate", "-m", out.toString(), "--prompt", "Once upon a time", "--max-tokens", "8", "--temperature", "0");
        assertEquals(0, g.exitCode(), g.err());
        assertFalse(g.out().isBlank());
    }

    @Test
    void resumingAfterAnInterruptionGivesTheUninterruptedModel() throws Exception {
        Path straight = tmp.resolve("a.gguf"), resumed = tmp.resolve("b.gguf");
        assertEquals(0, CliRunner.run("unlearn", "-o", straight.toString(), "--steps", "4", "--json").exitCode());
        assertEquals(0, CliRunner.run("unlearn", "-o", resumed.toString(), "--steps", "2", "--json").exitCode());
        CliRunner.Result r = CliRunner.run("unlearn", "-o", resumed.toString(), "--steps", "4", "--json", "--resume");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("resumed"), r.err());
        assertArrayEquals(Files.readAllBytes(straight), Files.readAllBytes(resumed));
    }

    @Test
    void aMissingCorpusAndAnUnknownMethodAreNamed() {
        CliRunner.Result r = CliRunner.run("unlearn", "-o", tmp.resolve("x.gguf").toString(), "--forget", tmp.resolve("nope.txt").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--forget " + tmp.resolve("nope.txt") + ": no such file"), r.err());
        r = CliRunner.run("unlearn", "-o", tmp.resolve("x.gguf").toString(), "--method", "ga");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--method ga is not supported (supported: rmu)"), r.err());
    }

    @Test
    void aHuggingFaceInputIsWrittenAsASafetensorsDirectoryThatLoads() throws Exception {
        Path in = Path.of("src/test/resources/models/tinystories-656k"), out = tmp.resolve("no-dogs-hf");
        CliRunner.Result bad = CliRunner.run("unlearn", "-m", in.toString(), "-o", tmp.resolve("x.gguf").toString(), "--steps", "1");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("a Hugging Face model is written as a directory of safetensors, not x.gguf"), bad.err());

        CliRunner.Result r = CliRunner.run("unlearn", "-m", in.toString(), "-o", out.toString(), "--steps", "6", "--json");
        assertEquals(0, r.exitCode(), r.err());
        for (String f : new String[]{"config.json", "tokenizer.json", "model.safetensors"}) assertTrue(Files.isRegularFile(out.resolve(f)), f);
        JsonNode j = JSON.readTree(r.out());
        // the "after" figures are measured on the directory as written and loaded back
        assertNotEquals(j.get("forget_perplexity_before").asDouble(), j.get("forget_perplexity_after").asDouble(), j.toString());
        assertTrue(j.get("forget_perplexity_after").asDouble() > j.get("forget_perplexity_before").asDouble(), j.toString());
        try (Model original = Model.load(in); Model edited = Model.load(out)) {
            assertEquals(original.config().layers(), edited.config().layers());
            var a = dev.steer4j.tensor.WeightMatrix.of(original.file().requireTensor("blk.1.ffn_down.weight"));
            var b = dev.steer4j.tensor.WeightMatrix.of(edited.file().requireTensor("blk.1.ffn_down.weight"));
            float[] ra = new float[a.cols()], rb = new float[b.cols()];
            a.dequantizeRow(0, ra, 0);
            b.dequantizeRow(0, rb, 0);
            assertFalse(java.util.Arrays.equals(ra, rb), "the trained MLP weight changed");
            var e0 = dev.steer4j.tensor.WeightMatrix.of(original.file().requireTensor("token_embd.weight"));
            var e1 = dev.steer4j.tensor.WeightMatrix.of(edited.file().requireTensor("token_embd.weight"));
            float[] x = new float[e0.cols()], y = new float[e1.cols()];
            e0.dequantizeRow(7, x, 0);
            e1.dequantizeRow(7, y, 0);
            assertArrayEquals(x, y, 0, "untouched tensors are copied");
        }
    }
}
