package dev.steer4j.spark;

import dev.steer4j.eval.AbDataset;
import dev.steer4j.eval.AlignmentTax;
import dev.steer4j.eval.Grid;
import dev.steer4j.eval.Judge;
import dev.steer4j.eval.PromptFormat;
import dev.steer4j.eval.Sweep;
import dev.steer4j.model.Model;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code spark-submit --class dev.steer4j.spark.SweepMain steer4j-spark.jar --model M.gguf --vector v.gguf --ab ab.json -o DIR}. */
@Command(name = "sweep", mixinStandardHelpOptions = true, sortOptions = false,
        description = "steer4j sweep as a Spark job: one task per grid point, the same options and output files; rerun into the same directory to resume.")
public final class SweepMain implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL.gguf", description = "GGUF model, at a path every executor can read")
    Path model;
    @Option(names = {"-v", "--vector"}, required = true, paramLabel = "FILE", description = "Steering vector (.gguf or .json)")
    Path vector;
    @Option(names = {"-l", "--layers"}, description = "Layers to sweep (default: every layer of the vector)")
    String layers;
    @Option(names = {"-c", "--coefficients"}, defaultValue = "-2:2:0.5", description = "start:stop:step or a list (default: ${DEFAULT-VALUE})")
    String coefficients;
    @Option(names = "--ab", paramLabel = "DATA.json", description = "A/B dataset in the CAA format")
    Path ab;
    @Option(names = "--limit", defaultValue = "0", description = "Use only the first N A/B items (default: all)")
    int limit;
    @Option(names = "--template", defaultValue = "auto", description = "auto, chat, plain or raw (default: ${DEFAULT-VALUE})")
    String template;
    @Option(names = "--neutral", paramLabel = "TEXT.txt", description = "Neutral corpus for the alignment tax (default: the bundled one)")
    Path neutral;
    @Option(names = "--no-tax", description = "Skip the alignment tax")
    boolean noTax;
    @Option(names = "--tax-window", defaultValue = "128", description = "Tokens per tax window (default: ${DEFAULT-VALUE})")
    int taxWindow;
    @Option(names = "--tax-tokens", defaultValue = "0", description = "At most this many corpus tokens for the tax (default: all)")
    int taxTokens;
    @Option(names = "--prompts", description = "Open-ended prompts: completions under every setting")
    Path prompts;
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "32", description = "Tokens per completion (default: ${DEFAULT-VALUE})")
    int maxTokens;
    @Option(names = {"-t", "--temperature"}, defaultValue = "0", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;
    @Option(names = "--seed", defaultValue = "42", description = "Sampling seed (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--judge-url", description = "OpenAI-compatible API root of an LLM judge")
    String judgeUrl;
    @Option(names = "--judge-model", description = "Judge model name")
    String judgeModel;
    @Option(names = "--judge-key-env", defaultValue = "OPENAI_API_KEY", description = "Environment variable (on every executor) holding the judge's key (default: ${DEFAULT-VALUE})")
    String judgeKeyEnv;
    @Option(names = "--concept", description = "Concept the judge looks for")
    String concept;
    @Option(names = "--behaviour", description = "Behaviour the judge scores")
    String behaviour;
    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output directory on storage the driver and every executor share")
    Path out;

    public static void main(String[] args) {
        System.exit(Jobs.run(new SweepMain(), args));
    }

    @Override
    public Integer call() {
        PromptFormat format = PromptFormat.valueOf(template.toUpperCase(Locale.ROOT));
        if (ab == null && noTax && prompts == null) throw new IllegalArgumentException("nothing to measure: give --ab, --prompts, or drop --no-tax");
        Model m = ModelCache.model(model.toString());
        SteeringVector v = VectorFiles.readFor(vector, m);
        List<Integer> ls = layers == null ? List.copyOf(v.layers().keySet()) : dev.steer4j.util.LayerList.parse(layers).within(m.config().layers()).orElse(v.layers().keySet());
        AbDataset data = ab == null ? null : AbDataset.load(ab).limit(limit);
        String neutralText = null, neutralName = null;
        if (!noTax) {
            neutralText = neutral == null ? AlignmentTax.defaultCorpus() : read(neutral);
            neutralName = neutral == null ? "bundled neutral.txt" : neutral.getFileName().toString();
        }
        List<String> ps = prompts == null ? null : PromptFile.readAll(prompts);
        GenerationConfig gen = temperature == 0 ? GenerationConfig.greedy(maxTokens) : GenerationConfig.sampled(maxTokens, temperature, seed);
        Judge judge = judgeUrl == null ? null : new Judge(new Judge.Config(judgeUrl, judgeModel, null, Duration.ofSeconds(120), 3));
        Sweep.Spec spec = new Sweep.Spec(v, vector.getFileName().toString(), ls, Grid.coefficients(coefficients), data, format,
                neutralText, neutralName, taxWindow, taxTokens, ps, gen, judge, concept, behaviour);
        SparkSession spark = Jobs.session("steer4j sweep");
        try {
            long t0 = System.nanoTime();
            SweepJob.Outcome o = SweepJob.run(spark, SweepInputs.of(model.toAbsolutePath().toString(), out.toAbsolutePath().toString(), spec, judgeKeyEnv));
            System.out.printf(Locale.ROOT, "sweep: %d grid points + baseline on %s: %d computed, %d already finished; %.1f s%n",
                    o.results().points().size(), spark.sparkContext().master(), o.computed(), o.reused(), (System.nanoTime() - t0) / 1e9);
            System.out.print(Files.readString(o.written().csv()));
            System.out.println("wrote " + o.written().csv() + ", " + o.written().json() + ", " + o.written().html());
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            spark.stop();
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
