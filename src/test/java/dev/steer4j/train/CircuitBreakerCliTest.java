package dev.steer4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.cli.CliRunner;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.model.Model;
import dev.steer4j.tensor.WeightMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.stories260K;
import static org.junit.jupiter.api.Assertions.*;

/** {@code steer4j circuit-breaker} end to end on the bundled model, with a paused and resumed run. */
class CircuitBreakerCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    @Test
    void writesMergedModelAndAdapterThatAgreeAndReports() throws Exception {
        Path out = tmp.resolve("cb.gguf"), ad = tmp.resolve("cb-lora.gguf");
        CliRunner.Result r = CliRunner.run("circuit-breaker", "-o", out.toString(), "--adapter", ad.toString(), "--steps", "6", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(6, j.get("steps").asInt());
        assertEquals(17, j.get("harmful").get("prompts").asInt());
        assertTrue(j.get("harmful").get("cosine").asDouble() < 1, j.toString());
        assertTrue(j.get("harmful").get("continuation_logp_after").asDouble() < j.get("harmful").get("continuation_logp_before").asDouble(), j.toString());
        // The adapter read back and merged equals the merged model written (float rounding of A and B aside).
        Lora back = LoraAdapterFile.read(ad);
        assertEquals(4, back.rank());
        assertEquals(8.0, back.alpha());
        try (Model base = Model.load(stories260K()); Model merged = Model.load(out)) {
            Map<String, float[]> fromAdapter = back.merged(base);
            assertEquals(28, fromAdapter.size());
            for (var e : fromAdapter.entrySet()) {
                WeightMatrix w = WeightMatrix.of(merged.file().requireTensor(e.getKey()));
                float[] row = new float[w.cols()];
                for (int rr = 0; rr < w.rows(); rr++) {
                    w.dequantizeRow(rr, row, 0);
                    for (int c = 0; c < row.length; c++) assertEquals(e.getValue()[rr * row.length + c], row[c], 1e-5, e.getKey());
                }
            }
        }
        String[] gen = {"generate", "--prompt", "Tom found a box of matches", "--max-tokens", "12", "--temperature", "0"};
        CliRunner.Result viaMerged = CliRunner.run(concat(gen, "-m", out.toString()));
        CliRunner.Result viaAdapter = CliRunner.run(concat(gen, "--lora", ad.toString()));
        assertEquals(0, viaAdapter.exitCode(), viaAdapter.err());
        assertEquals(viaMerged.out(), viaAdapter.out(), "generate --lora ADAPTER = generate -m MERGED");
        try (GGUFFile g = GGUFFile.open(out)) {
            assertEquals("circuit-breaker", g.getString("steer4j.edit.method", null));
        }
    }

    @Test
    void pausingAndResumingGivesTheUninterruptedAdapter() throws Exception {
        Path straight = tmp.resolve("a.gguf"), resumed = tmp.resolve("b.gguf");
        assertEquals(0, CliRunner.run("circuit-breaker", "--adapter", straight.toString(), "--steps", "4", "--json").exitCode());
        CliRunner.Result p = CliRunner.run("circuit-breaker", "--adapter", resumed.toString(), "--steps", "4", "--pause-after", "2");
        assertEquals(0, p.exitCode(), p.err());
        assertTrue(p.out().contains("paused after step 2 of 4"), p.out());
        CliRunner.Result r = CliRunner.run("circuit-breaker", "--adapter", resumed.toString(), "--steps", "4", "--resume", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("resumed"), r.err());
        Lora a = LoraAdapterFile.read(straight), b = LoraAdapterFile.read(resumed);
        for (int i = 0; i < a.params().size(); i++) assertArrayEquals(a.params().get(i).value, b.params().get(i).value, 0, a.params().get(i).name);

        CliRunner.Result bad = CliRunner.run("circuit-breaker", "--adapter", resumed.toString(), "--steps", "4", "--resume", "--lr", "0.01");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("checkpoint was made with lr = 0.002, this run has lr = 0.01"), bad.err());
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void nothingToWriteIsAnError() {
        CliRunner.Result r = CliRunner.run("circuit-breaker", "--steps", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("nothing to write: give -o FILE.gguf (merged model) and/or --adapter FILE.gguf (LoRA adapter)"), r.err());
    }
}
