package dev.steer4j.cli;

import dev.steer4j.eval.AbDataset;
import dev.steer4j.eval.AlignmentTax;
import dev.steer4j.eval.Grid;
import dev.steer4j.eval.Judge;
import dev.steer4j.eval.PromptFormat;
import dev.steer4j.eval.Sweep;
import dev.steer4j.eval.SweepReport;
import dev.steer4j.model.Model;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.steer.SteeringVector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

/** {@code steer4j sweep}: behaviour and alignment tax over a grid of layers × coefficients, with plots and a report. */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Sweep a steering vector over layers × coefficients: A/B behaviour (CAA), alignment tax on neutral text, "
                + "optional open-ended completions scored by an LLM judge.",
                "Writes results.csv, results.json, PNG plots and a self-contained report.html to the output directory. "
                + "Re-running into the same directory resumes: finished grid points are kept."})
public final class SweepCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin VectorOption vector;

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Layers to sweep, one at a time: 1-4, 1,3 or 2 (default: every layer of the vector)")
    dev.steer4j.util.LayerList layers;

    @Option(names = "--coefficients", paramLabel = "START:STOP:STEP", defaultValue = "-2:2:0.5",
            description = "Coefficients: start:stop:step or a list like -1,0,1 (default: ${DEFAULT-VALUE})")
    String coefficients;

    @Option(names = "--ab", paramLabel = "DATA.json", description = "A/B dataset in the CAA format (question, answer_matching_behavior, answer_not_matching_behavior)")
    Path ab;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "0", description = "Use only the first N A/B items (default: all)")
    int limit;

    @Option(names = "--template", paramLabel = "FORMAT", defaultValue = "auto", description = "Prompt format: auto (chat template if the model has one, else plain), chat, plain, raw (default: ${DEFAULT-VALUE})")
    String template;

    @Option(names = "--neutral", paramLabel = "TEXT.txt", description = "Neutral corpus for the alignment tax (default: the small corpus bundled with steer4j)")
    Path neutral;

    @Option(names = "--no-tax", description = "Skip the alignment tax")
    boolean noTax;

    @Option(names = "--tax-window", paramLabel = "N", defaultValue = "128", description = "Tokens per tax window, BOS included (default: ${DEFAULT-VALUE})")
    int taxWindow;

    @Option(names = "--tax-tokens", paramLabel = "N", defaultValue = "0", description = "Use at most this many corpus tokens for the tax (default: all)")
    int taxTokens;

    @Option(names = "--prompts", paramLabel = "PROMPTS", description = "Open-ended prompts (.txt one per line, .jsonl or .json): completions under every setting")
    Path prompts;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "32", description = "Tokens per open-ended completion (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"--temp", "--temperature"}, paramLabel = "T", defaultValue = "0.8", description = "Sampling temperature for completions; 0 = greedy (default: ${DEFAULT-VALUE}, as generate)")
    float temperature;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Sampling seed, so a resumed sweep samples the same text (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--judge-url", paramLabel = "URL", description = "OpenAI-compatible API root of an LLM judge, e.g. https://api.openai.com/v1")
    String judgeUrl;

    @Option(names = "--judge-model", paramLabel = "NAME", description = "Judge model name")
    String judgeModel;

    @Option(names = "--judge-key-env", paramLabel = "VAR", defaultValue = "OPENAI_API_KEY", description = "Environment variable holding the judge's API key (default: ${DEFAULT-VALUE})")
    String judgeKeyEnv;

    @Option(names = "--concept", paramLabel = "TEXT", description = "Concept the judge looks for (AxBench concept score), e.g. 'happiness and joy'")
    String concept;

    @Option(names = "--behaviour", paramLabel = "TEXT", description = "Behaviour the judge scores 0-10 (CAA-style), e.g. 'the text is cheerful and happy'")
    String behaviour;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Output directory (created; an existing sweep there is resumed)")
    Path out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar")
    boolean quiet;

    @Override
    public Integer call() {
        PromptFormat format;
        try {
            format = PromptFormat.valueOf(template.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--template must be auto, chat, plain or raw, not '" + template + "'");
        }
        List<Double> coefs = Grid.coefficients(coefficients);
        Judge judge = null;
        if (judgeUrl != null) {
            if (prompts == null) throw new IllegalArgumentException("--judge-url needs --prompts (the judge scores open-ended completions)");
            String key = judgeKeyEnv == null ? null : System.getenv(judgeKeyEnv);
            judge = new Judge(new Judge.Config(judgeUrl, judgeModel, key, Duration.ofSeconds(120), 3));
        }
        if (ab == null && noTax && prompts == null) throw new IllegalArgumentException("nothing to measure: give --ab, --prompts, or drop --no-tax");
        try (Model m = model.load()) {
            SteeringVector v = vector.load(m);
            List<Integer> ls = layers == null ? List.copyOf(v.layers().keySet()) : LayerListConverter.within(layers, m.config().layers(), "--layers").orElse(v.layers().keySet());
            AbDataset data = ab == null ? null : AbDataset.load(ab).limit(limit);
            String neutralText = null, neutralName = null;
            if (!noTax) {
                neutralText = neutral == null ? AlignmentTax.defaultCorpus() : read(neutral);
                neutralName = neutral == null ? "bundled neutral.txt" : neutral.getFileName().toString();
            }
            List<String> ps = prompts == null ? null : PromptFile.readAll(prompts);
            GenerationConfig gen = temperature == 0 ? GenerationConfig.greedy(maxTokens) : GenerationConfig.sampled(maxTokens, temperature, seed);
            Sweep.Spec spec = new Sweep.Spec(v, vector.name(), ls, coefs, data, format, neutralText, neutralName, taxWindow, taxTokens,
                    ps, gen, judge, concept, behaviour);
            ProgressBar bar = new ProgressBar("sweep");
            Sweep.Results r;
            try {
                r = Sweep.run(new ForwardPass(m), spec, out, quiet ? dev.steer4j.read.Progress.NONE : bar);
            } finally {
                bar.close();
            }
            SweepReport.Written w = SweepReport.write(r, out);
            printSummary(r);
            System.out.println();
            System.out.println("wrote " + w.csv() + ", " + w.json() + ", " + w.html());
            for (Path p : w.plots()) System.out.println("      " + p);
        }
        return 0;
    }

    private static String read(Path p) {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8);
            if (s.isBlank()) throw new IllegalArgumentException(p + ": the neutral corpus is empty");
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e instanceof java.nio.file.NoSuchFileException ? e : new IOException("cannot read " + p + ": " + e.getMessage(), e));
        }
    }

    static void printSummary(Sweep.Results r) {
        Sweep.Point b = r.baseline();
        boolean hasAb = b.behaviour() != null, hasTax = b.tax() != null;
        boolean judged = b.open() != null && b.open().completions().stream().anyMatch(c -> c.scores() != null);
        StringBuilder h = new StringBuilder(String.format("%5s %7s", "layer", "coef"));
        if (hasAb) h.append(String.format(" %10s %8s", "behaviour", "Δ"));
        if (hasTax) h.append(String.format(" %10s %8s %7s", "perplexity", "KL", "top-1"));
        if (judged) h.append(String.format(" %8s %8s", "judge-ax", "judge-b"));
        System.out.println(h);
        StringBuilder base = new StringBuilder(String.format("%5s %7s", "-", "none"));
        if (hasAb) base.append(String.format(" %10.4f %8s", b.behaviour().mean(), ""));
        if (hasTax) base.append(String.format(" %10.3f %8.4f %7.3f", b.tax().perplexity(), b.tax().meanKl(), b.tax().top1Agreement()));
        if (judged) base.append(String.format(" %8.2f %8.2f", b.open().mean().aggregate(), b.open().mean().behaviour()));
        System.out.println(base);
        for (Sweep.Point p : r.points()) {
            StringBuilder s = new StringBuilder(String.format("%5d %7s", p.layer(), Grid.format(p.coefficient())));
            if (hasAb) s.append(String.format(" %10.4f %+8.4f", p.behaviour().mean(), p.behaviour().mean() - b.behaviour().mean()));
            if (hasTax) s.append(String.format(" %10.3f %8.4f %7.3f", p.tax().perplexity(), p.tax().meanKl(), p.tax().top1Agreement()));
            if (judged) s.append(String.format(" %8.2f %8.2f", p.open().mean().aggregate(), p.open().mean().behaviour()));
            System.out.println(s);
        }
    }
}
