package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** {@code steer4j synth} and {@code steer4j bench} end to end, at sizes that take a second (a smoke test, not a benchmark). */
class BenchCliTest {
    @TempDir
    Path dir;

    static final String SHAPE = "custom:layers=2,dim=64,heads=2,kv_heads=1,ffn=128,vocab=600,context=128";

    @Test
    void synthWritesALoadableModelAndReportsIt() {
        Path out = dir.resolve("m.gguf");
        CliRunner.Result r = CliRunner.run("synth", "--shape", SHAPE, "--type", "q4_0", "-o", out.toString(), "--seed", "9");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("writing " + out + ": custom q4_0, 2 layers, n_embd 64, ffn 128, vocab 600"), r.out());
        assertTrue(r.out().contains("wrote " + out), r.out());
        try (Model m = Model.load(out)) {
            assertEquals(2, m.config().layers());
        }
    }

    @Test
    void synthRejectsBadShapesAndTypes() {
        CliRunner.Result r = CliRunner.run("synth", "--shape", "llama-7b", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("steer4j: unknown shape 'llama-7b' (presets: llama-3.2-1b, qwen2.5-0.5b, llama-3.1-8b"), r.err());
        r = CliRunner.run("synth", "--shape", "llama-3.2-1b", "--type", "q3_k", "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exitCode());
        assertEquals("steer4j: unknown type 'q3_k' (one of: f32, f16, bf16, q8_0, q4_0, q4_1, q4_k, q5_k, q6_k)", r.err().trim());
        assertFalse(Files.exists(dir.resolve("x.gguf")));
    }

    @Test
    void benchJsonHasEveryFigure() throws Exception {
        Path model = dir.resolve("b.gguf");
        assertEquals(0, CliRunner.run("synth", "--shape", SHAPE, "--type", "q8_0", "-o", model.toString()).exitCode());
        CliRunner.Result r = CliRunner.run("bench", "--model", model.toString(), "--threads", "2", "--repeats", "1",
                "--prefill", "16,32", "--decode", "8", "--min-run-ms", "0", "--no-triad", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(List.of("pp16", "pp32"), names(j.get("prefill")));
        assertEquals(List.of("tg8"), names(j.get("decode")));
        assertEquals(List.of("tg8", "tg8+steer(all layers)", "tg8+capture(1 layer)", "tg8+probe(1 layer)", "tg8+guard(1 detector)"), names(j.get("hooks")));
        assertEquals(List.of("tg8 x1 stream (batched loop)", "tg8 x8 streams (aggregate)"), names(j.get("streams")));
        assertEquals(64, j.get("streams").get(1).get("tokens").asInt(), "8 streams of 8 tokens");
        assertEquals(j.get("streams").get(1).get("best").asDouble() / j.get("streams").get(0).get("best").asDouble(),
                j.get("streamsSpeedup").asDouble(), 1e-9);
        for (String k : new String[]{"steer", "capture", "probe", "guard"}) {
            assertTrue(j.get("hookOverheadPercent").get(k).asDouble() >= 0, k);
            assertTrue(j.get("hookMicrosPerToken").get(k).asDouble() >= 0, k);
        }
        for (JsonNode m : j.get("prefill")) assertTrue(m.get("best").asDouble() > 0);
        assertEquals(2, j.get("threads").asInt());
        try (Model m = Model.load(model)) {
            assertEquals(m.weightBytesPerToken(), j.get("weightBytesPerToken").asLong());
        }
        assertTrue(j.get("loadMs").asDouble() > 0);
        assertTrue(j.get("firstTokenColdMs").asDouble() >= j.get("loadMs").asDouble());
        assertTrue(j.get("triadGBs").isNull());
    }

    @Test
    void benchTableNamesEachSection() {
        CliRunner.Result r = CliRunner.run("bench", "--repeats", "1", "--prefill", "8", "--decode", "4", "--min-run-ms", "0", "--no-triad", "--no-hooks");
        assertEquals(0, r.exitCode(), r.err());
        for (String s : new String[]{"model        stories260K.gguf (llama; F32 100%", "prefill      pp8", "decode       tg4",
                "streams      tg4 x8 streams (aggregate)", "batching     tg4 x8 streams decode ", "noise        load average"})
            assertTrue(r.out().contains(s), s + " missing in:\n" + r.out());
        assertEquals("steer4j: --threads must be at least 1, got 0", CliRunner.run("bench", "--threads", "0").err().trim());
        assertEquals("steer4j: --streams must be 0 (skip) or more, got -1", CliRunner.run("bench", "--streams", "-1").err().trim());
    }

    private static List<String> names(JsonNode arr) {
        List<String> out = new ArrayList<>();
        for (JsonNode n : arr) out.add(n.get("name").asText());
        return out;
    }
}
