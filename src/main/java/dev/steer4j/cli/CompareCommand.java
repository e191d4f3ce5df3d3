package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.GenerationResult;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.steer.VectorSource;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code steer4j compare}: the same prompt continued unsteered and with a vector at several coefficients, side by side. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Print the unsteered and steered continuations of a prompt side by side (one seed for every column; --temp 0 for greedy).")
public final class CompareCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Mixin PromptOption promptOption;

    @Option(names = {"-v", "--vector"}, required = true, paramLabel = "FILE", description = "Steering vector (.gguf control vector or .json)")
    Path vector;

    @Option(names = "--coefficients", split = ",", defaultValue = "-1,0,1", paramLabel = "C1,C2,...",
            description = "Coefficients to compare; 0 is the unsteered run and is always shown (default: ${DEFAULT-VALUE})")
    List<Double> coefficients;

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Only these layers of the vector: 3, 1-4, 1,3,5-7, -1 (the last), -3--1 or all (default: every layer it has)")
    dev.steer4j.util.LayerList layers;

    @Option(names = "--positions", paramLabel = "WHICH", defaultValue = "all", description = "all, prompt, generated or from:K (default: ${DEFAULT-VALUE})")
    String positions;

    @Option(names = "--keep-norm", description = "Rescale every steered row to its norm before steering")
    boolean keepNorm;

    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "48", description = "Tokens per continuation (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"--temp", "--temperature"}, paramLabel = "T", defaultValue = "0.8", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}, as generate)")
    float temperature;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Sampling seed, the same for every column (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--width", paramLabel = "COLUMNS", defaultValue = "120", description = "Total width of the table in characters (default: ${DEFAULT-VALUE})")
    int width;

    @Option(names = "--json", description = "Print JSON: {prompt, vector, runs: [{coefficient, text, tokens}]}")
    boolean json;

    record Run(double coefficient, String text, int[] tokens) {}

    @Override
    public Integer call() throws Exception {
        String prompt = promptOption.text();
        if (maxTokens < 0) throw new IllegalArgumentException("--max-tokens must be >= 0, got " + maxTokens);
        List<Double> coefs = new ArrayList<>();
        coefs.add(0.0);
        for (Double c : coefficients) {
            if (c == null || !Double.isFinite(c)) throw new IllegalArgumentException("--coefficients: " + c + " is not a finite number");
            if (!coefs.contains(c)) coefs.add(c);
        }
        coefs.sort(Double::compare);
        PositionFilter pos = SteeringOptions.grammar("--positions", SteeringSpec::parsePositions, positions);
        GenerationConfig cfg = temperature > 0 ? GenerationConfig.sampled(maxTokens, temperature, seed) : GenerationConfig.greedy(maxTokens);
        List<Run> runs = new ArrayList<>();
        try (Model m = model.load()) {
            Generator g = new Generator(m);
            int[] promptTokens = m.tokenizer().encode(prompt);
            for (double c : coefs) {
                Steering s = c == 0 ? Steering.none()
                        : SteeringSpec.none().add(new SteeringSpec.Add(SteeringSpec.Ref.named(vector.toString()), c, layers, HookSite.RESID_POST, pos))
                        .keepNorm(keepNorm).resolve(m, VectorSource.files(), SteeringOptions.FIELDS).steering();
                SequenceState seq = new SequenceState(m);
                GenerationResult r;
                try (var applied = s.applyTo(seq)) {
                    r = g.generate(seq, promptTokens, cfg, null);
                }
                runs.add(new Run(c, r.text(), r.tokens()));
            }
        }
        if (json) {
            try (JsonOut out = JsonOut.stdout()) {
                out.g.writeStartObject();
                out.g.writeStringField("prompt", prompt);
                out.g.writeStringField("vector", vector.toString());
                out.g.writeArrayFieldStart("runs");
                for (Run r : runs) {
                    out.g.writeStartObject();
                    out.g.writeNumberField("coefficient", r.coefficient);
                    out.g.writeStringField("text", r.text);
                    out.ints("tokens", r.tokens);
                    out.g.writeEndObject();
                }
                out.g.writeEndArray();
                out.g.writeEndObject();
            }
            return 0;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        out.println("prompt: " + prompt);
        out.printf(Locale.ROOT, "vector: %s%s, %s, %d tokens%n", vector, layers == null ? "" : " (layers " + layers + ")",
                temperature > 0 ? "temperature " + temperature + ", seed " + seed : "greedy", maxTokens);
        out.println();
        List<String> headers = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (Run r : runs) {
            headers.add(r.coefficient == 0 ? "0 (unsteered)" : (r.coefficient > 0 ? "+" : "") + java.math.BigDecimal.valueOf(r.coefficient).stripTrailingZeros().toPlainString());
            texts.add(r.text);
        }
        out.print(table(headers, texts, width));
        return 0;
    }

    /** Columns of word-wrapped text separated by " │ ". */
    static String table(List<String> headers, List<String> texts, int totalWidth) {
        int k = headers.size();
        int col = Math.max(12, (totalWidth - 3 * (k - 1)) / k);
        List<List<String>> cols = new ArrayList<>();
        int rows = 0;
        for (int i = 0; i < k; i++) {
            List<String> lines = new ArrayList<>();
            lines.add(headers.get(i));
            lines.add("─".repeat(col));
            lines.addAll(wrap(texts.get(i), col));
            cols.add(lines);
            rows = Math.max(rows, lines.size());
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < k; i++) {
                String cell = r < cols.get(i).size() ? cols.get(i).get(r) : "";
                if (i > 0) line.append(r == 1 ? "─┼─" : " │ ");
                line.append(cell);
                if (i < k - 1) line.append(" ".repeat(Math.max(0, col - cell.codePointCount(0, cell.length()))));
            }
            sb.append(line.toString().stripTrailing()).append('\n');
        }
        return sb.toString();
    }

    static List<String> wrap(String text, int width) {
        List<String> out = new ArrayList<>();
        for (String para : text.strip().split("\n", -1)) {
            StringBuilder line = new StringBuilder();
            for (String word : para.trim().split("\\s+")) {
                if (word.isEmpty()) continue;
                while (word.length() > width) {
                    if (!line.isEmpty()) { out.add(line.toString()); line.setLength(0); }
                    out.add(word.substring(0, width));
                    word = word.substring(width);
                }
                if (line.length() + (line.isEmpty() ? 0 : 1) + word.length() > width) {
                    out.add(line.toString());
                    line.setLength(0);
                }
                if (!line.isEmpty()) line.append(' ');
                line.append(word);
            }
            out.add(line.toString());
        }
        return out;
    }
}
