package dev.steer4j.spark;

import dev.steer4j.eval.AbDataset;
import dev.steer4j.eval.AlignmentTax;
import dev.steer4j.eval.Sweep;
import dev.steer4j.eval.SweepReport;
import dev.steer4j.model.Model;
import dev.steer4j.read.Progress;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.Method;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Spark sweep against {@code steer4j sweep} (Sweep.run + SweepReport), in local[2], including a killed run resumed. */
class SweepJobTest {
    static SparkSession spark;
    static Model model;
    static SteeringVector vector;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local();
        model = Model.load(SparkSessions.MODEL);
        vector = Extraction.builder(model).method(Method.MEAN).layers(2, 3).run(Datasets.happySad()).vector();
    }

    @AfterAll
    static void stop() {
        spark.stop();
        model.close();
    }

    /** A small A/B sweep with the alignment tax and two greedy completions: 2 layers x 3 coefficients + baseline. */
    static Sweep.Spec spec(List<Double> coefficients) {
        AbDataset ab = AbDataset.load(Path.of("src/test/resources/eval/caa_sycophancy_head.json")).limit(3);
        return new Sweep.Spec(vector, "happy.gguf", List.of(2, 3), coefficients, ab, null,
                AlignmentTax.defaultCorpus(), "bundled neutral.txt", 64, 192,
                List.of("Once upon a time", "The dog"), GenerationConfig.greedy(8), null, null, null);
    }

    static Path cli(Path dir, Sweep.Spec spec) {
        Sweep.Results r = Sweep.run(new ForwardPass(model), spec, dir, Progress.NONE);
        return SweepReport.write(r, dir).csv();
    }

    @Test
    void rowsEqualTheCliAndAKilledRunResumes(@TempDir Path dir) throws Exception {
        Sweep.Spec spec = spec(List.of(-1.0, 0.5, 2.0));
        Path cliCsv = cli(dir.resolve("cli"), spec);
        Path out = dir.resolve("spark");
        SweepInputs in = SweepInputs.of(SparkSessions.MODEL.toString(), out.toString(), spec, null);

        // a first run, cancelled once a few points are finished
        AtomicReference<Throwable> failed = new AtomicReference<>();
        Thread first = new Thread(() -> {
            try {
                SweepJob.run(spark, in);
            } catch (Throwable t) {
                failed.set(t);
            }
        });
        first.start();
        Path points = out.resolve("points");
        for (int i = 0; i < 600 && count(points) < 2 && first.isAlive(); i++) Thread.sleep(100);
        spark.sparkContext().cancelAllJobs();
        first.join(120_000);
        waitForIdleExecutors();
        Map<Path, FileTime> kept = snapshot(points);
        assertTrue(kept.size() >= 2, "points finished before the cancel: " + kept.keySet());

        SweepJob.Outcome o = SweepJob.run(spark, in);
        assertEquals(7, o.computed() + o.reused());
        assertEquals(kept.size(), o.reused(), "finished points are kept, not recomputed");
        for (var e : kept.entrySet()) assertEquals(e.getValue(), Files.getLastModifiedTime(e.getKey()), e.getKey() + " was rewritten");

        assertEquals(Files.readString(cliCsv), Files.readString(o.written().csv()), "results.csv");
        assertEquals(Files.readString(cliCsv.resolveSibling("results.json")), Files.readString(o.written().json()), "results.json");
        assertTrue(Files.size(o.written().html()) > 1000);
        assertNotNull(o.results().point(3, 2.0).behaviour());
    }

    static int count(Path dir) throws IOException {
        return Files.isDirectory(dir) ? snapshot(dir).size() : 0;
    }

    static Map<Path, FileTime> snapshot(Path dir) throws IOException {
        Map<Path, FileTime> m = new HashMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".json")).toList()) m.put(p, Files.getLastModifiedTime(p));
        }
        return m;
    }

    /** A cancelled job's running tasks finish their point in the background; wait until none runs. */
    static void waitForIdleExecutors() throws InterruptedException {
        for (int i = 0; i < 1200; i++) {
            boolean busy = false;
            for (var e : spark.sparkContext().statusTracker().getExecutorInfos()) busy |= e.numRunningTasks() > 0;
            if (!busy) return;
            Thread.sleep(100);
        }
        throw new AssertionError("tasks still running 120 s after the cancel");
    }
}
