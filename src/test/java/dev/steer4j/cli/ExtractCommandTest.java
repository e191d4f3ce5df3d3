package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class ExtractCommandTest {
    @TempDir Path tmp;

    static final String PAIRS = "src/main/resources/steer4j/data/happy_sad.jsonl";

    @Test
    void extractWritesAControlVectorAndPrintsTheTable() {
        Path out = tmp.resolve("v.gguf");
        CliRunner.Result r = CliRunner.run("extract", "--data", PAIRS, "--method", "pca-diff", "--layers", "1-4", "--read", "mean", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].startsWith("method pca-diff, site resid_post, read mean, dataset happy_sad (sha256 "), lines[0]);
        assertEquals("layer     auroc      d(sd)       norm  pc1 var   samples", lines[1]);
        for (int i = 0; i < 4; i++) assertTrue(lines[2 + i].startsWith(Integer.toString(i + 1)), lines[2 + i]);
        assertTrue(lines[6].startsWith("best layer: "), lines[6]);
        assertEquals("wrote " + out, lines[7]);
        assertTrue(r.err().contains("] 48/48 100%"), "progress on stderr: " + r.err());
        assertFalse(r.err().contains("\r"), "not a terminal: plain lines, no redrawing: " + r.err());

        SteeringVector v = ControlVectorFile.read(out);
        assertEquals(java.util.List.of(1, 2, 3, 4), java.util.List.copyOf(v.layers().keySet()));
        assertEquals(64, v.dim());
        assertEquals("pca-diff", v.metadata().method());
        assertEquals("resid_post", v.metadata().site());
        assertEquals("mean", v.metadata().readPosition());
        assertEquals("happy_sad", v.metadata().dataset());
        assertEquals(64, v.metadata().datasetHash().length());
    }

    @Test
    void extractWritesJson() throws IOException {
        Path out = tmp.resolve("v.json");
        CliRunner.Result r = CliRunner.run("extract", "-q", "--data", PAIRS, "--layers", "2", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.err().contains("prompts"), "quiet: no progress bar");
        JsonNode j = new ObjectMapper().readTree(out.toFile());
        assertEquals("steer4j-vector", j.get("format").asText());
        assertEquals(64, j.get("n_embd").asInt());
        assertEquals("mean", j.get("metadata").get("method").asText());
        assertEquals("last", j.get("metadata").get("read_position").asText());
        assertEquals(64, j.get("directions").get("2").size());
        SteeringVector v = dev.steer4j.steer.VectorFiles.read(out);
        assertEquals("mean", v.metadata().method());
        assertEquals(java.util.List.of(2), java.util.List.copyOf(v.layers().keySet()));
    }

    @Test
    void listsAndCaaFormats() {
        CliRunner.Result r = CliRunner.run("extract", "-q", "--data", Fixtures.resource("data/harmful_train_slice.json").toString(),
                "--negative", Fixtures.resource("data/harmless_train_slice.json").toString(), "--layers", "1-2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("6+9"), r.out());
        CliRunner.Result c = CliRunner.run("extract", "-q", "--format", "caa", "--data", Fixtures.resource("data/caa_refusal_slice.json").toString(), "--layers", "3", "--limit", "2");
        assertEquals(0, c.exitCode(), c.err());
        assertTrue(c.out().startsWith("method mean, site resid_post, read answer, dataset caa_refusal_slice"), c.out());
        CliRunner.Result p = CliRunner.run("extract", "-q", "--format", "repeng", "--data", Fixtures.resource("data/repeng_suffixes_slice.json").toString(),
                "--positive-persona", "happy", "--negative-persona", "sad", "--method", "probe", "--layers", "2");
        assertEquals(0, p.exitCode(), p.err());
        assertTrue(p.out().contains("12+12"), p.out());
    }

    private static String lastLine(String s) {
        String[] l = s.strip().split("\n");
        return l[l.length - 1];
    }

    @Test
    void badInputGivesOneLineErrors() throws IOException {
        CliRunner.Result m = CliRunner.run("extract", "--data", PAIRS, "--method", "svd");
        assertEquals(1, m.exitCode());
        assertEquals("steer4j: unknown extraction method 'svd' (valid: actadd, mean, pca-diff, pca-center, probe)", m.err().strip());

        Path bad = tmp.resolve("pairs.jsonl");
        Files.writeString(bad, "{\"positive\": \"a\", \"negative\": \"b\"}\n{\"positive\": \"a\"\n");
        CliRunner.Result b = CliRunner.run("extract", "--data", bad.toString());
        assertEquals(1, b.exitCode());
        assertTrue(b.err().strip().startsWith("steer4j: " + bad + " line 2: malformed JSON: "), b.err());

        CliRunner.Result f = CliRunner.run("extract", "--data", PAIRS, "--format", "csv");
        assertEquals("steer4j: unknown dataset format 'csv' (valid: pairs, caa, repeng, lists)", f.err().strip());

        CliRunner.Result u = CliRunner.run("extract", "--data", Fixtures.resource("data/harmful_train_slice.json").toString(),
                "--negative", Fixtures.resource("data/harmless_train_slice.json").toString(), "--method", "pca-diff");
        assertEquals(1, u.exitCode());
        assertTrue(lastLine(u.err()).startsWith("steer4j: unequal pair counts: "), u.err());

        CliRunner.Result z = CliRunner.run("extract", "--data", PAIRS, "--layers", "0-2", "-o", tmp.resolve("z.gguf").toString());
        assertEquals("steer4j: layer 0 cannot be written to a llama.cpp control vector (direction.0 is invalid); choose layers from 1, or write .json", z.err().strip());

        CliRunner.Result a = CliRunner.run("extract", "--data", PAIRS, "--method", "actadd");
        assertEquals("steer4j: method actadd uses one pair, but dataset happy_sad has 24 (choose one with pair/--pair 0..23)", lastLine(a.err()));
        CliRunner.Result a0 = CliRunner.run("extract", "-q", "--data", PAIRS, "--method", "actadd", "--pair", "3", "--layers", "2");
        assertEquals(0, a0.exitCode(), a0.err());
        assertTrue(a0.out().startsWith("method actadd, site resid_post, read diff"), a0.out());
    }
}
