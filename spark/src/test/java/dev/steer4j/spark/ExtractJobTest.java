package dev.steer4j.spark;

import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.ExtractionResult;
import dev.steer4j.steer.extract.Method;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The Spark extract job against the single-machine extraction (what {@code steer4j extract} runs), in local[2]. */
class ExtractJobTest {
    static SparkSession spark;
    static Model model;

    @BeforeAll
    static void start() {
        spark = SparkSessions.local();
        model = Model.load(SparkSessions.MODEL);
    }

    @AfterAll
    static void stop() {
        spark.stop();
        model.close();
    }

    static void assertSameVector(ExtractionResult cli, ExtractionResult job, double tol) {
        SteeringVector a = cli.vector(), b = job.vector();
        assertEquals(a.layers().keySet(), b.layers().keySet());
        for (int l : a.layers().keySet()) {
            float[] x = a.get(l), y = b.get(l);
            for (int i = 0; i < x.length; i++) assertEquals(x[i], y[i], tol, "layer " + l + " component " + i);
        }
        assertEquals(a.metadata(), b.metadata());
        assertEquals(cli.separation().size(), job.separation().size());
        for (int k = 0; k < cli.separation().size(); k++) {
            var p = cli.separation().get(k);
            var q = job.separation().get(k);
            assertEquals(p.layer(), q.layer());
            assertEquals(p.auroc(), q.auroc(), 1e-9, "auroc at layer " + p.layer());
            assertEquals(p.standardizedDifference(), q.standardizedDifference(), 1e-6);
            assertEquals(p.norm(), q.norm(), 1e-6);
            assertEquals(p.positives(), q.positives());
            if (!Double.isNaN(p.explainedVariance())) assertEquals(p.explainedVariance(), q.explainedVariance(), 1e-6);
        }
    }

    static ExtractionResult cli(Method m, ContrastiveDataset d, int... layers) {
        return Extraction.builder(model).method(m).layers(layers).run(d);
    }

    static ExtractionResult job(SparkSession spark, Method m, ContrastiveDataset d, int partitions, int... layers) {
        return ExtractJob.extract(ExtractJob.pairs(spark, d, partitions),
                ExtractJob.Settings.of(SparkSessions.MODEL.toString(), m, d).withLayers(layers));
    }

    @Test
    void meanDifferenceEqualsTheCliAndWritesTheSameFile(@TempDir Path dir) {
        ContrastiveDataset d = Datasets.happySad();
        ExtractionResult cli = cli(Method.MEAN, d, 1, 2, 3, 4);
        ExtractionResult job = job(spark, Method.MEAN, d, 3, 1, 2, 3, 4);
        assertSameVector(cli, job, 1e-5);
        assertEquals(cli.table(), job.table());
        Path a = dir.resolve("cli.gguf"), b = dir.resolve("spark.gguf");
        VectorFiles.write(a, cli.vector());
        VectorFiles.write(b, job.vector());
        SteeringVector ra = VectorFiles.read(a), rb = VectorFiles.read(b);
        var ma = new java.util.HashMap<>(ra.metadata().extra()); // "source" is the file each was read from
        var mb = new java.util.HashMap<>(rb.metadata().extra());
        assertEquals(a.toString(), ma.remove("source"));
        assertEquals(b.toString(), mb.remove("source"));
        assertEquals(ma, mb);
        assertEquals(List.of(ra.metadata().method(), ra.metadata().site(), ra.metadata().readPosition(), ra.metadata().dataset(), ra.metadata().datasetHash()),
                List.of(rb.metadata().method(), rb.metadata().site(), rb.metadata().readPosition(), rb.metadata().dataset(), rb.metadata().datasetHash()));
        for (int l = 1; l <= 4; l++)
            for (int i = 0; i < 64; i++) assertEquals(ra.get(l)[i], rb.get(l)[i], 1e-5);
    }

    @Test
    void pcaDiffAndPcaCenterEqualTheCli() {
        ContrastiveDataset d = Datasets.happySad();
        assertSameVector(cli(Method.PCA_DIFF, d, 2, 3), job(spark, Method.PCA_DIFF, d, 2, 2, 3), 1e-5);
        assertSameVector(cli(Method.PCA_CENTER, d, 2), job(spark, Method.PCA_CENTER, d, 2, 2), 1e-5);
    }

    @Test
    void probeEqualsTheCli() {
        ContrastiveDataset d = Datasets.happySad();
        assertSameVector(cli(Method.PROBE, d, 2), job(spark, Method.PROBE, d, 2, 2), 1e-5);
    }
}
