package dev.steer4j.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code spark-submit --class dev.steer4j.spark.CaptureMain steer4j-spark.jar --model M.gguf --data prompts.jsonl --hooks H -o out.parquet}. */
@Command(name = "capture", mixinStandardHelpOptions = true, sortOptions = false,
        description = "steer4j capture as a Spark job: activations at hook points for every prompt, written as Parquet "
                + "(prompt_index, position, token, hook, activation float[n_embd]).")
public final class CaptureMain implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf", description = "GGUF model, at a path every executor can read")
    String model;
    @Option(names = {"-d", "--data"}, required = true, paramLabel = "FILE", description = "Prompts: .parquet, .jsonl, .txt (one per line) or .json")
    String data;
    @Option(names = "--hooks", required = true, split = ",", paramLabel = "HOOK", description = "Hook points, comma separated, e.g. blocks.2.hook_resid_post")
    List<String> hooks;
    @Option(names = "--positions", defaultValue = "all", description = "Rows kept per prompt: all or last (default: ${DEFAULT-VALUE})")
    String positions;
    @Option(names = "--max-tokens", defaultValue = "0", description = "Cut prompts to this many tokens (default: the model's context; longer prompts are an error)")
    int maxTokens;
    @Option(names = "--batch", defaultValue = "8", description = "Prompts per forward step (default: ${DEFAULT-VALUE})")
    int batch;
    @Option(names = "--partitions", defaultValue = "0", description = "Partitions of the prompts (default: as read)")
    int partitions;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR.parquet", description = "Output Parquet directory (replaced)")
    String out;

    public static void main(String[] args) {
        System.exit(Jobs.run(new CaptureMain(), args));
    }

    @Override
    public Integer call() {
        CaptureJob.Positions pos;
        try {
            pos = CaptureJob.Positions.valueOf(positions.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--positions must be all or last, not '" + positions + "'");
        }
        CaptureJob.Settings s = new CaptureJob.Settings(java.nio.file.Path.of(model).toAbsolutePath().toString(), hooks, pos, maxTokens, batch);
        SparkSession spark = Jobs.session("steer4j capture");
        try {
            long t0 = System.nanoTime();
            Dataset<Row> prompts = CaptureJob.readPrompts(spark, data);
            if (partitions > 0) prompts = prompts.repartition(partitions);
            CaptureJob.capture(prompts, s).write().mode(SaveMode.Overwrite).parquet(out);
            Dataset<Row> written = spark.read().parquet(out);
            System.out.printf(Locale.ROOT, "captured %d prompts, %d rows at %d hook point(s) into %s on %s; %.1f s%n",
                    written.select("prompt_index").distinct().count(), written.count(), hooks.size(), out,
                    spark.sparkContext().master(), (System.nanoTime() - t0) / 1e9);
            return 0;
        } finally {
            spark.stop();
        }
    }
}
