package dev.steer4j.spark;

import dev.steer4j.eval.Sweep;
import dev.steer4j.model.Model;
import dev.steer4j.read.ActivationCapture;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.extract.Method;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The three jobs on local-cluster[2,1,1024]: two executor JVMs besides this one, so every closure, sample block and
 * statistic is serialised and every executor loads the model itself.
 */
class LocalClusterTest {
    static SparkSession spark;

    @BeforeAll
    static void start() {
        spark = SparkSessions.localCluster();
        ExtractJobTest.model = Model.load(SparkSessions.MODEL);
        SweepJobTest.model = ExtractJobTest.model;
    }

    @AfterAll
    static void stop() {
        spark.stop();
        ExtractJobTest.model.close();
    }

    @Test
    void tasksRunInTwoOtherJvmsThatEachLoadTheModelOnce() {
        String model = SparkSessions.MODEL.toString();
        List<String> seen = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(1, 2, 3, 4, 5, 6, 7, 8), 8)
                .map(i -> {
                    ModelCache.forwardPass(model);
                    return ProcessHandle.current().pid() + " " + ModelCache.loads();
                }).collect();
        Map<Long, Integer> loadsByJvm = new TreeMap<>();
        for (String s : seen) loadsByJvm.merge(Long.parseLong(s.split(" ")[0]), Integer.parseInt(s.split(" ")[1]), Math::max);
        assertEquals(2, loadsByJvm.size(), "executor JVMs: " + loadsByJvm);
        assertFalse(loadsByJvm.containsKey(ProcessHandle.current().pid()), "tasks ran in the test's own JVM");
        for (int loads : loadsByJvm.values()) assertEquals(1, loads, "model loads per executor JVM: " + loadsByJvm);
    }

    @Test
    void extractEqualsTheCli() {
        var d = Datasets.happySad().limit(12); // a slice: the executors' JIT is cold
        ExtractJobTest.assertSameVector(ExtractJobTest.cli(Method.MEAN, d, 1, 2, 3, 4), ExtractJobTest.job(spark, Method.MEAN, d, 4, 1, 2, 3, 4), 1e-5);
        ExtractJobTest.assertSameVector(ExtractJobTest.cli(Method.PCA_CENTER, d, 2), ExtractJobTest.job(spark, Method.PCA_CENTER, d, 4, 2), 1e-5);
    }

    @Test
    void sweepRowsEqualTheCli(@TempDir Path dir) throws Exception {
        SweepJobTest.vector = dev.steer4j.steer.extract.Extraction.builder(ExtractJobTest.model).method(Method.MEAN).layers(2, 3)
                .run(Datasets.happySad()).vector();
        Sweep.Spec full = SweepJobTest.spec(List.of(-1.0, 1.0));
        Sweep.Spec spec = new Sweep.Spec(full.vector(), full.vectorName(), full.layers(), full.coefficients(), full.ab(), full.format(),
                full.neutralText(), full.neutralName(), 64, 128, null, null, null, null, null); // A/B and tax, no completions
        Path cliCsv = SweepJobTest.cli(dir.resolve("cli"), spec);
        SweepJob.Outcome o = SweepJob.run(spark, SweepInputs.of(SparkSessions.MODEL.toString(), dir.resolve("spark").toString(), spec, null));
        assertEquals(5, o.computed());
        assertEquals(Files.readString(cliCsv), Files.readString(o.written().csv()));
    }

    @Test
    void captureRoundTripsAgainstTheCli(@TempDir Path dir) throws Exception {
        Path data = CaptureJobTest.prompts(dir);
        Path cli = CaptureJobTest.cliCapture(data, dir.resolve("cli"), ActivationCapture.Positions.ALL);
        var rows = CaptureJob.capture(CaptureJob.readPrompts(spark, data.toString()).repartition(2),
                CaptureJob.Settings.of(SparkSessions.MODEL.toString(), CaptureJobTest.HOOKS)).collectAsList();
        CaptureJobTest.assertSameAsCli(cli, rows, CaptureJobTest.HOOKS);
    }
}
