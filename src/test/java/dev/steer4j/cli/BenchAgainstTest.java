package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.bench.LlamaBench;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code bench --against}: llama-bench is replaced by a stand-in script (src/test/resources/bench/fake-llama-bench.sh)
 * that prints llama-bench's {@code -o json} shape with fixed figures (ppN = 1000 + N tok/s, tgN = 50 + N), so the
 * test checks what is passed to it, what is read back, and the ratios computed from both sides.
 */
class BenchAgainstTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    private Path script(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private Path fake() throws Exception {
        try (var in = getClass().getResourceAsStream("/bench/fake-llama-bench.sh")) {
            return script("llama-bench", new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
        }
    }

    @Test
    void jsonReportHasBothSidesAndTheirRatios() throws Exception {
        Path fake = fake();
        CliRunner.Result r = CliRunner.run("bench", "--against", fake.toString(), "--threads", "1", "--repeats", "2",
                "--min-run-ms", "1", "--prefill", "16,32", "--decode", "8", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals("stories260K.gguf", j.get("model").asText());
        assertEquals(1, j.get("threads").asInt());
        assertEquals(2, j.get("repeats").asInt());
        assertEquals("fake000", j.get("llamaBuildCommit").asText());
        assertEquals("llama 1B Q8_0", j.get("llamaModelType").asText());
        assertTrue(j.get("fp32PeakGFlops").asDouble() > 0.1, r.out());
        JsonNode rows = j.get("rows");
        assertEquals(3, rows.size());
        String[] names = {"pp16", "pp32", "tg8"};
        double[] llama = {1016, 1032, 58};
        for (int i = 0; i < 3; i++) {
            JsonNode row = rows.get(i);
            assertEquals(names[i], row.get("test").asText());
            assertEquals(2, row.get("llamaCpp").size());
            assertEquals(llama[i], row.get("llamaCppBest").asDouble(), 1e-9);
            assertEquals(llama[i], row.get("llamaCppMedian").asDouble(), 1e-9);
            double s0 = row.get("steer4j").get(0).asDouble(), s1 = row.get("steer4j").get(1).asDouble();
            assertTrue(s0 > 0 && s1 > 0, row.toString());
            assertEquals(Math.max(s0, s1), row.get("steer4jBest").asDouble(), 1e-9);
            assertEquals((s0 + s1) / 2, row.get("steer4jMedian").asDouble(), 1e-9);
            assertEquals(row.get("steer4jBest").asDouble() / llama[i], row.get("ratioBest").asDouble(), 1e-12);
            assertEquals(row.get("steer4jMedian").asDouble() / llama[i], row.get("ratioMedian").asDouble(), 1e-12);
        }
        // prefill rows carry GFLOP/s and % of the measured peak; decode rows do not
        double gflops = rows.get(0).get("steer4jGFlops").asDouble();
        assertEquals(rows.get(0).get("steer4jBest").asDouble() * j.get("flopsPerToken").asLong() / 1e9, gflops, 1e-9);
        assertEquals(100 * gflops / j.get("fp32PeakGFlops").asDouble(), rows.get(0).get("steer4jPercentOfFp32Peak").asDouble(), 1e-9);
        assertTrue(rows.get(2).get("steer4jGFlops").isNull());
    }

    @Test
    void tableShowsBothFiguresAndTheRatio() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "--against", fake().toString(), "--threads", "1", "--repeats", "1",
                "--min-run-ms", "1", "--prefill", "16", "--decode", "8");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("llama.cpp build fake000"), r.out());
        assertTrue(r.out().matches("(?s).*\\npp16 +1016\\.00 +[0-9.]+ +[0-9.]+x .*"), r.out());
        assertTrue(r.out().matches("(?s).*\\ntg8 +58\\.00 +[0-9.]+ +[0-9.]+x .*"), r.out());
    }

    @Test
    void passesTheFileThreadsAndTestsToLlamaBench() throws Exception {
        LlamaBench lb = new LlamaBench(fake(), 10);
        Path model = Path.of("/models/x.gguf");
        assertEquals(java.util.List.of(dir.resolve("llama-bench").toString(), "-m", "/models/x.gguf", "-t", "2", "-r", "1",
                "-o", "json", "-p", "128,512", "-n", "64"), lb.command(model, 2, new int[]{128, 512}, new int[]{64}, 1));
        LlamaBench.Run run = lb.run(model, 2, new int[]{128, 512}, new int[]{64}, 3);
        assertEquals(2, run.threads());
        assertEquals(1128, run.test("pp128").avgTokS(), 1e-9);
        assertArrayEquals(new double[]{114, 114, 114}, run.test("tg64").samplesTokS(), 1e-9);
    }

    @Test
    void failingLlamaBenchIsReportedWithItsMessage() throws Exception {
        Path bad = script("bad-bench", "#!/bin/sh\necho \"main: error: failed to load model\" >&2\nexit 3\n");
        CliRunner.Result r = CliRunner.run("bench", "--against", bad.toString(), "--threads", "1", "--repeats", "1",
                "--min-run-ms", "1", "--prefill", "16", "--decode", "8");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("exited with 3: main: error: failed to load model"), r.err());
    }

    @Test
    void missingOrNonJsonLlamaBenchIsRefused() throws Exception {
        CliRunner.Result r = CliRunner.run("bench", "--against", dir.resolve("nope").toString());
        assertEquals(1, r.exitCode());
        assertEquals("steer4j: --against: llama-bench not found at " + dir.resolve("nope") + "\n", r.err());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LlamaBench.parse("| model | size |"));
        assertTrue(e.getMessage().startsWith("--against: llama-bench printed no JSON"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> LlamaBench.parse("[{\"n_prompt\": 128, \"n_gen\": 0}]"));
        assertTrue(e.getMessage().startsWith("--against: a llama-bench test has no field avg_ts"), e.getMessage());
    }
}
