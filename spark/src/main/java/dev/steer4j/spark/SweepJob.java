package dev.steer4j.spark;

import dev.steer4j.eval.Sweep;
import dev.steer4j.eval.SweepReport;
import dev.steer4j.read.Progress;
import dev.steer4j.runtime.ForwardPass;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * {@code steer4j sweep} on a Spark cluster: one task per grid point (and one for the unsteered baseline), each on
 * the engine's own {@link Sweep#point}, which writes the point to {@code out/points/} atomically the moment it is
 * done and skips a point already there. Tasks are therefore idempotent: a killed job, rerun with the same
 * settings, computes only the missing points. The driver then loads every point with {@link Sweep#run} (no model
 * work left) and writes the same results.csv, results.json, plots and report.html as the CLI.
 *
 * <p>{@code out} must be a directory the driver and every executor see (a shared file system: NFS, a Kubernetes
 * ReadWriteMany volume, a mounted bucket), as the model path must be.
 */
public final class SweepJob {
    private SweepJob() {}

    /** The finished sweep, what it wrote, and how many points this run computed or found finished. */
    public record Outcome(Sweep.Results results, SweepReport.Written written, int computed, int reused) {}

    public static Outcome run(SparkSession spark, SweepInputs in) {
        Sweep.Spec spec = in.spec();
        ForwardPass fp = ModelCache.forwardPass(in.model());
        Path out = Path.of(in.out());
        Sweep.prepare(fp, spec, out);
        List<GridPoint> grid = new ArrayList<>();
        grid.add(new GridPoint(-1, 0));
        for (int l : spec.layers()) for (double c : spec.coefficients()) grid.add(new GridPoint(l, c));
        int before = pointFiles(out);
        JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(grid, grid.size())
                .foreach(p -> Tasks.point(in, p));
        int after = pointFiles(out);
        Sweep.Results r = Sweep.run(fp, spec, out, Progress.NONE);
        SweepReport.Written w = SweepReport.write(r, out);
        return new Outcome(r, w, after - before, grid.size() - (after - before));
    }

    /** One grid point (layer -1: the baseline). */
    public record GridPoint(int layer, double coefficient) implements Serializable {}

    private static int pointFiles(Path out) {
        try (Stream<Path> s = Files.list(out.resolve("points"))) {
            return (int) s.filter(p -> p.getFileName().toString().endsWith(".json")).count();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + out.resolve("points") + ": " + e.getMessage(), e);
        }
    }

    /** The executor side: opened sweeps are kept per JVM and reused (their evaluators hold the baseline logits). */
    static final class Tasks {
        private static final ConcurrentHashMap<String, ConcurrentLinkedQueue<Sweep>> IDLE = new ConcurrentHashMap<>();

        private Tasks() {}

        static void point(SweepInputs in, GridPoint p) {
            String key = in.model() + "\u0000" + in.out();
            ConcurrentLinkedQueue<Sweep> idle = IDLE.computeIfAbsent(key, k -> new ConcurrentLinkedQueue<>());
            Sweep s = idle.poll();
            if (s == null) s = Sweep.points(ModelCache.forwardPass(in.model()), in.spec(), Path.of(in.out()));
            try {
                s.point(p.layer(), p.coefficient());
            } finally {
                idle.add(s); // one task at a time uses a sweep; concurrent tasks take (or open) others
            }
        }
    }
}
