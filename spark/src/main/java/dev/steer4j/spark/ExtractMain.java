package dev.steer4j.spark;

import dev.steer4j.runtime.HookPoint;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.DatasetFormat;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.ExtractionResult;
import dev.steer4j.steer.extract.LayerSeparation;
import dev.steer4j.steer.extract.Method;
import dev.steer4j.steer.extract.ReadPosition;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code spark-submit --class dev.steer4j.spark.ExtractMain steer4j-spark.jar --model M.gguf --data pairs.jsonl -o v.gguf}. */
@Command(name = "extract", mixinStandardHelpOptions = true, sortOptions = false,
        description = "steer4j extract as a Spark job: the same options, data formats and vector files; the prompts are read on the executors.")
public final class ExtractMain implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf", description = "GGUF model, at a path every executor can read")
    Path model;
    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE", description = "Contrastive data (read on the driver, as steer4j extract reads it)")
    Path data;
    @Option(names = "--format", defaultValue = "pairs", description = "pairs, caa or repeng (default: ${DEFAULT-VALUE})")
    String format;
    @Option(names = "--method", defaultValue = "mean", description = "mean, pca-diff, pca-center or probe (default: ${DEFAULT-VALUE})")
    String method;
    @Option(names = "--layers", description = "Layers, e.g. 2, 1-4 or all (default: 1 to the last layer)")
    String layers;
    @Option(names = "--site", defaultValue = "resid_post", description = "Hook site (default: ${DEFAULT-VALUE})")
    String site;
    @Option(names = "--read", description = "Read position: last, mean, answer or diff (default: answer for caa, else last)")
    String read;
    @Option(names = "--l2", defaultValue = "0.01", description = "probe: L2 strength (default: ${DEFAULT-VALUE})")
    double l2;
    @Option(names = "--unit", description = "Write unit-norm directions")
    boolean unit;
    @Option(names = "--partitions", defaultValue = "0", description = "Partitions of the pairs (default: the cluster's default parallelism)")
    int partitions;
    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "Write the vector: .gguf (llama.cpp control vector) or .json, on the driver")
    Path output;

    public static void main(String[] args) {
        System.exit(Jobs.run(new ExtractMain(), args));
    }

    @Override
    public Integer call() {
        ContrastiveDataset ds = Datasets.load(DatasetFormat.parse(format), data, null, null);
        HookPoint.of(Extraction.parseSite(site), 0); // a bad site fails before Spark starts
        SparkSession spark = Jobs.session("steer4j extract");
        try {
            int n = ModelCache.model(model.toString()).config().layers();
            int[] ls = layers != null ? dev.steer4j.util.LayerList.parse(layers).resolve(n) : n > 1 ? java.util.stream.IntStream.range(1, n).toArray() : new int[]{0};
            ExtractJob.Settings s = ExtractJob.Settings.of(model.toAbsolutePath().toString(), Method.parse(method), ds)
                    .withLayers(ls).withSite(Extraction.parseSite(site)).withL2(l2).withUnit(unit);
            if (read != null) s = s.withRead(ReadPosition.parse(read));
            int parts = partitions > 0 ? partitions : spark.sparkContext().defaultParallelism();
            long t0 = System.nanoTime();
            ExtractionResult r = ExtractJob.extract(ExtractJob.pairs(spark, ds, parts), s);
            VectorMetadata md = r.vector().metadata();
            System.out.printf(Locale.ROOT, "extract: %s on %s (%d pairs, format %s) at %s %s, %d partitions, %s; %.1f s%n", md.method(),
                    ds.name(), ds.positives().size(), ds.format(), Extraction.formatLayers(ls), md.site(), parts,
                    spark.sparkContext().master(), (System.nanoTime() - t0) / 1e9);
            System.out.print(r.table());
            LayerSeparation best = r.best();
            System.out.printf(Locale.ROOT, "best layer: %d (auroc %.4f, d %.3f sd)%n", best.layer(), best.auroc(), best.standardizedDifference());
            if (output != null) {
                VectorFiles.write(output, r.vector());
                System.out.println("wrote " + output);
            }
            return 0;
        } finally {
            spark.stop();
        }
    }
}
