package dev.steer4j.spark;

import dev.steer4j.model.Model;
import dev.steer4j.read.ActivationCapture;
import dev.steer4j.read.NpyReader;
import dev.steer4j.read.Progress;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark capture job round-trips against {@code steer4j capture} (ActivationCapture), in local[2]. */
class CaptureJobTest {
    static SparkSession spark;

    @BeforeAll
    static void start() { spark = SparkSessions.local(); }

    @AfterAll
    static void stop() { spark.stop(); }

    static final List<String> HOOKS = List.of("blocks.1.hook_resid_post", "blocks.3.hook_mlp_out");

    /** Prompts of different lengths, as strings and objects, with a blank line (skipped by both readers). */
    static Path prompts(Path dir) throws IOException {
        Path p = dir.resolve("prompts.jsonl");
        Files.writeString(p, String.join("\n",
                "\"Once upon a time\"",
                "{\"text\": \"Lily was happy because the sun was warm and bright.\"}",
                "",
                "{\"prompt\": \"The cat\"}",
                "\"Tom saw a big red ball in the park and he ran to get it, but the dog got there first.\"",
                "{\"question\": \"Why was the bird sad?\"}") + "\n");
        return p;
    }

    /** Every Parquet row equals the CLI's .npy row of the same prompt and position; returns the largest difference. */
    static double assertSameAsCli(Path cliDir, List<Row> rows, List<String> hooks) {
        int[] idx, pos, tok;
        try (NpyReader a = new NpyReader(cliDir.resolve("prompt_index.npy")); NpyReader b = new NpyReader(cliDir.resolve("position.npy"));
             NpyReader c = new NpyReader(cliDir.resolve("tokens.npy"))) {
            idx = a.ints();
            pos = b.ints();
            tok = c.ints();
        }
        Map<Long, Integer> rowOf = new HashMap<>();
        for (int r = 0; r < idx.length; r++) rowOf.put(((long) idx[r] << 32) | pos[r], r);
        assertEquals((long) idx.length * hooks.size(), rows.size(), "one Parquet row per CLI row and hook");
        double worst = 0;
        Map<String, NpyReader> npy = new HashMap<>();
        try {
            for (String h : hooks) npy.put(h, new NpyReader(cliDir.resolve(h + ".npy")));
            for (Row r : rows) {
                Integer cli = rowOf.get(((long) r.getInt(0) << 32) | r.getInt(1));
                assertTrue(cli != null, "prompt " + r.getInt(0) + " position " + r.getInt(1) + " is not in the CLI's capture");
                assertEquals(tok[cli], r.getInt(2), "token id");
                float[] want = npy.get(r.getString(3)).row(cli);
                List<Float> got = r.getList(4);
                assertEquals(want.length, got.size());
                for (int i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(want[i] - got.get(i)));
            }
        } finally {
            npy.values().forEach(NpyReader::close);
        }
        // the batched forward pass (several prompts per step) against one prompt per step: same math, the kernels may
        // round the last bit differently
        assertTrue(worst <= 1e-5, "largest difference " + worst);
        System.out.println("capture: largest difference to the CLI's .npy " + worst + " over " + rows.size() + " rows");
        return worst;
    }

    static Path cliCapture(Path data, Path out, ActivationCapture.Positions positions) {
        try (Model m = Model.load(SparkSessions.MODEL); PromptFile.Source src = PromptFile.open(data)) {
            ActivationCapture.capture(new ForwardPass(m), src, HOOKS.stream().map(HookPoint::parse).toList(), positions, 0, out, Progress.NONE);
        }
        return out;
    }

    @Test
    void parquetRoundTripsAgainstTheCliCapture(@TempDir Path dir) throws IOException {
        Path data = prompts(dir);
        Path cli = cliCapture(data, dir.resolve("cli"), ActivationCapture.Positions.ALL);
        Dataset<Row> ps = CaptureJob.readPrompts(spark, data.toString()).repartition(2);
        Path out = dir.resolve("acts.parquet");
        CaptureJob.capture(ps, new CaptureJob.Settings(SparkSessions.MODEL.toString(), HOOKS, CaptureJob.Positions.ALL, 0, 3))
                .write().mode(SaveMode.Overwrite).parquet(out.toString());
        Dataset<Row> back = spark.read().parquet(out.toString());
        assertEquals(CaptureJob.ACTIVATIONS.fieldNames().length, back.columns().length);
        assertEquals(5, back.select("prompt_index").distinct().count());
        assertSameAsCli(cli, back.collectAsList(), HOOKS);
    }

    @Test
    void lastPositionOnly(@TempDir Path dir) throws IOException {
        Path data = prompts(dir);
        Path cli = cliCapture(data, dir.resolve("cli"), ActivationCapture.Positions.LAST);
        List<Row> rows = CaptureJob.capture(CaptureJob.readPrompts(spark, data.toString()),
                new CaptureJob.Settings(SparkSessions.MODEL.toString(), HOOKS, CaptureJob.Positions.LAST, 0, 8)).collectAsList();
        assertEquals(5 * HOOKS.size(), rows.size());
        assertSameAsCli(cli, rows, HOOKS);
    }

    @Test
    void badInputIsNamed(@TempDir Path dir) throws IOException {
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"title\": \"no text here\"}\n");
        Exception e = assertThrows(Exception.class, () -> CaptureJob.capture(CaptureJob.readPrompts(spark, bad.toString()),
                CaptureJob.Settings.of(SparkSessions.MODEL.toString(), HOOKS)).collectAsList());
        assertTrue(rootMessage(e).contains(bad + ": expected a string or an object with one of the fields text, prompt, question, instruction"), rootMessage(e));
        IllegalArgumentException h = assertThrows(IllegalArgumentException.class, () -> CaptureJob.capture(
                CaptureJob.readPrompts(spark, prompts(dir).toString()), CaptureJob.Settings.of(SparkSessions.MODEL.toString(), List.of("blocks.9.hook_resid_post"))));
        assertTrue(h.getMessage().contains("9"), h.getMessage());
    }

    static String rootMessage(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) sb.append(c.getMessage()).append(" | ");
        return sb.toString();
    }
}
