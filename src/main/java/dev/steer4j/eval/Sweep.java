package dev.steer4j.eval;

import dev.steer4j.util.Sha256;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.read.Progress;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A grid sweep of one steering vector: for every layer × coefficient, the vector's direction at that layer is added
 * with that coefficient ({@code blocks.L.hook_resid_post}, every position, llama.cpp semantics), and the sweep
 * measures the A/B behaviour, the alignment tax and, optionally, open-ended completions with judge scores.
 *
 * <h2>Resuming</h2>
 * Each grid point is written to {@code out/points/} the moment it finishes (atomically), next to
 * {@code out/sweep.json}, which records the settings. Run the same sweep into the same directory again and it
 * loads the finished points and computes only the missing ones; every computation is deterministic, so the results
 * are the same as those of an uninterrupted run. Extending the grid (more layers or coefficients) with otherwise
 * equal settings reuses the points already there; other changed settings are refused.
 */
public final class Sweep {
    /** What to sweep and measure. Null parts are skipped (at least one of ab, neutral or prompts must be given). */
    public record Spec(SteeringVector vector, String vectorName, List<Integer> layers, List<Double> coefficients,
                       AbDataset ab, PromptFormat format,
                       String neutralText, String neutralName, int taxWindow, int taxMaxTokens,
                       List<String> prompts, GenerationConfig generation,
                       Judge judge, String concept, String behaviour) {
        public Spec {
            if (vector == null) throw new IllegalArgumentException("no steering vector given");
            if (layers == null || layers.isEmpty()) throw new IllegalArgumentException("no layers to sweep");
            if (coefficients == null || coefficients.isEmpty()) throw new IllegalArgumentException("no coefficients to sweep");
            if (ab == null && neutralText == null && prompts == null)
                throw new IllegalArgumentException("nothing to measure: give an A/B dataset, a neutral corpus or open-ended prompts");
            if (format == null) format = PromptFormat.AUTO;
            if (generation == null) generation = GenerationConfig.greedy(32);
            layers = List.copyOf(layers);
            coefficients = List.copyOf(coefficients);
            prompts = prompts == null ? null : List.copyOf(prompts);
        }
    }

    /** The measurements of one grid point (or of the unsteered baseline, with layer -1 and coefficient 0). */
    public record Point(int layer, double coefficient, AbEval.Result behaviour, AlignmentTax.Result tax, OpenEval.Result open) {}

    /** A finished sweep. */
    public record Results(Map<String, Object> settings, Point baseline, List<Point> points) {
        public Point point(int layer, double coefficient) {
            for (Point p : points) if (p.layer() == layer && p.coefficient() == coefficient) return p;
            throw new IllegalArgumentException("no point at layer " + layer + ", coefficient " + coefficient);
        }
    }

    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String FORMAT = "steer4j-sweep/1";

    private final ForwardPass fp;
    private final Spec spec;
    private final Path out;
    private final Path pointsDir;
    private AbEval ab;
    private AlignmentTax tax;
    private OpenEval open;

    private Sweep(ForwardPass fp, Spec spec, Path out) {
        this.fp = fp;
        this.spec = spec;
        this.out = out;
        this.pointsDir = out.resolve("points");
    }

    /**
     * Runs (or resumes) the sweep into {@code out} and returns every point. Writes {@code sweep.json} and one file per
     * point under {@code points/}; the summary files are written by {@link SweepReport}.
     */
    public static Results run(ForwardPass fp, Spec spec, Path out, Progress progress) {
        return new Sweep(fp, spec, out).run(progress);
    }

    /**
     * Validates the spec against the model and checks (or writes) {@code out/sweep.json}, as {@link #run} starts. For
     * runners that compute the grid points elsewhere (steer4j-spark): prepare once, then {@link #points} and
     * {@link #point} on any machine that sees {@code out}, then {@link #run} loads every finished point.
     */
    public static void prepare(ForwardPass fp, Spec spec, Path out) {
        Sweep s = new Sweep(fp, spec, out);
        s.checkManifest(s.validate());
    }

    /** A sweep opened to compute single points with {@link #point}; its evaluators are built once, on first use. */
    public static Sweep points(ForwardPass fp, Spec spec, Path out) {
        return new Sweep(fp, spec, out);
    }

    /**
     * The grid point at {@code layer} x {@code coefficient} (layer -1, coefficient 0: the unsteered baseline):
     * loaded from {@code out/points/} when it is finished there, else computed and written there atomically.
     */
    public Point point(int layer, double coefficient) {
        if (layer < 0) return loadOrCompute("baseline", -1, 0, Steering.none());
        Steering s = Steering.none().add(spec.vector(), coefficient, layer, layer, HookSite.RESID_POST, PositionFilter.ALL);
        return loadOrCompute("L" + layer + "_c" + Grid.format(coefficient), layer, coefficient, s);
    }

    private Results run(Progress progress) {
        Map<String, Object> settings = validate();
        checkManifest(settings);

        int total = 1 + spec.layers().size() * spec.coefficients().size();
        int done = 0;
        Point baseline = loadOrCompute("baseline", -1, 0, Steering.none());
        progress.update(++done, total, "baseline");
        List<Point> points = new ArrayList<>();
        for (int layer : spec.layers()) {
            for (double c : spec.coefficients()) {
                Steering s = Steering.none().add(spec.vector(), c, layer, layer, HookSite.RESID_POST, PositionFilter.ALL);
                points.add(loadOrCompute("L" + layer + "_c" + Grid.format(c), layer, c, s));
                progress.update(++done, total, "layer " + layer + ", coefficient " + Grid.format(c));
            }
        }
        return new Results(settings, baseline, points);
    }

    /** Checks the spec against the model, creates the points directory and returns the settings for the manifest. */
    private Map<String, Object> validate() {
        Model model = fp.model();
        for (int l : spec.layers()) {
            if (l >= model.config().layers())
                throw new IllegalArgumentException("layer " + l + " does not exist (the model has layers 0-" + (model.config().layers() - 1) + ")");
            if (!spec.vector().has(l))
                throw new IllegalArgumentException(describe() + " has no direction for layer " + l + " (it has layers " + spec.vector().layers().keySet() + ")");
        }
        if (spec.vector().dim() != model.config().dim())
            throw new IllegalArgumentException(describe() + " has n_embd " + spec.vector().dim() + " but the model has " + model.config().dim());
        Map<String, Object> settings = settings(model);
        try {
            Files.createDirectories(pointsDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + pointsDir + ": " + e.getMessage(), e);
        }
        return settings;
    }

    private String describe() {
        return spec.vectorName() != null ? "vector " + spec.vectorName() : "the steering vector";
    }

    private Point loadOrCompute(String name, int layer, double coefficient, Steering steering) {
        Path f = pointsDir.resolve(name + ".json");
        if (Files.isRegularFile(f)) {
            try {
                JsonNode n = JSON.readTree(f.toFile());
                Point p = fromJson(n);
                if (p.layer() == layer && p.coefficient() == coefficient) return p;
            } catch (IOException | RuntimeException e) {
                // a damaged point file (e.g. from a crash mid-write on a file system without atomic moves) is recomputed
            }
        }
        Point p = compute(layer, coefficient, steering);
        writeAtomically(f, toJson(p));
        return p;
    }

    private Point compute(int layer, double coefficient, Steering steering) {
        init();
        AbEval.Result b = ab == null ? null : ab.evaluate(steering);
        AlignmentTax.Result t = tax == null ? null : tax.measure(steering);
        OpenEval.Result o = null;
        if (open != null) o = OpenEval.judge(open.generate(steering), spec.judge(), spec.concept(), spec.behaviour());
        return new Point(layer, coefficient, b, t, o);
    }

    /** Builds the evaluators on first use, so a finished sweep reloads without any model work. */
    private void init() {
        if (ab == null && spec.ab() != null) ab = new AbEval(fp, spec.ab(), spec.format());
        if (tax == null && spec.neutralText() != null) tax = new AlignmentTax(fp, spec.neutralText(), spec.taxWindow(), spec.taxMaxTokens());
        if (open == null && spec.prompts() != null) open = new OpenEval(new Generator(fp), spec.prompts(), spec.generation(), spec.format());
    }

    // ------------------------------------------------------------------ settings and manifest

    private Map<String, Object> settings(Model model) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("model", model.config().name());
        s.put("model_n_layer", model.config().layers());
        s.put("model_n_embd", model.config().dim());
        s.put("model_vocab", model.config().vocabSize());
        s.put("model_bytes", model.file() != null && model.file().path() != null ? size(model.file().path()) : -1L);
        s.put("vector", spec.vectorName());
        s.put("vector_sha256", digest(spec.vector()));
        s.put("site", "resid_post");
        s.put("ab", spec.ab() == null ? null : spec.ab().name());
        s.put("ab_items", spec.ab() == null ? 0 : spec.ab().items().size());
        s.put("ab_sha256", spec.ab() == null ? null : digest(spec.ab()));
        s.put("template", spec.ab() == null && spec.prompts() == null ? null : spec.format().resolve(model.tokenizer()).name().toLowerCase());
        s.put("neutral", spec.neutralName());
        s.put("neutral_sha256", spec.neutralText() == null ? null : sha256(spec.neutralText().getBytes(StandardCharsets.UTF_8)));
        s.put("tax_window", spec.neutralText() == null ? 0 : spec.taxWindow());
        s.put("tax_max_tokens", spec.neutralText() == null ? 0 : spec.taxMaxTokens());
        s.put("prompts", spec.prompts() == null ? 0 : spec.prompts().size());
        s.put("prompts_sha256", spec.prompts() == null ? null : sha256(String.join("\u0000", spec.prompts()).getBytes(StandardCharsets.UTF_8)));
        s.put("generation", spec.prompts() == null ? null : spec.generation().toString());
        s.put("judge", spec.judge() == null ? null : spec.judge().config().baseUrl() + " " + spec.judge().config().model());
        s.put("concept", spec.concept());
        s.put("behaviour", spec.behaviour());
        return s;
    }

    private void checkManifest(Map<String, Object> settings) {
        Path m = out.resolve("sweep.json");
        ObjectNode now = JSON.createObjectNode();
        now.put("format", FORMAT);
        now.set("settings", JSON.valueToTree(settings));
        if (Files.isRegularFile(m)) {
            JsonNode old;
            try {
                old = JSON.readTree(m.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException(m + " is not a sweep manifest (" + e.getMessage().split("\n")[0] + "); use another -o directory");
            }
            if (!FORMAT.equals(old.path("format").asText()))
                throw new IllegalArgumentException(m + " is not a " + FORMAT + " manifest; use another -o directory");
            List<String> differs = new ArrayList<>();
            JsonNode a = old.path("settings"), b = now.path("settings");
            for (Iterator<String> it = b.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!a.path(k).toString().equals(b.path(k).toString())) differs.add(k + " (" + change(text(a.path(k)), text(b.path(k))) + ")");
            }
            if (!differs.isEmpty())
                throw new IllegalArgumentException(out + " holds a sweep with other settings: " + String.join(", ", differs)
                        + ". Resume with the same settings, or write to another -o directory");
        }
        writeAtomically(m, now);
    }

    private static String text(JsonNode n) {
        return n.isMissingNode() ? "none" : n.isTextual() ? n.asText() : n.toString();
    }

    /** {@code "old -> new"}, long values cut to a window around where they first differ so the difference shows. */
    static String change(String was, String now) {
        int p = 0;
        while (p < was.length() && p < now.length() && was.charAt(p) == now.charAt(p)) p++;
        int start = Math.max(0, Math.min(p - 16, Math.min(was.length(), now.length()) - 8));
        start = Math.max(0, start);
        return window(was, start) + " -> " + window(now, start);
    }

    private static String window(String s, int start) {
        int end = Math.min(s.length(), start + 48);
        return (start > 0 ? "..." : "") + dev.steer4j.util.SafeText.of(s.substring(Math.min(start, s.length()), end)) + (end < s.length() ? "..." : "");
    }

    static void writeAtomically(Path f, JsonNode n) {
        try {
            Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), n);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + f + ": " + e.getMessage(), e);
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    static String digest(SteeringVector v) {
        ByteBuffer b = ByteBuffer.allocate(8 + v.layers().size() * (4 + 4 * v.dim())).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(v.dim()).putInt(v.layers().size());
        for (var e : v.layers().entrySet()) {
            b.putInt(e.getKey());
            for (float f : e.getValue()) b.putFloat(f);
        }
        return sha256(b.array());
    }

    static String digest(AbDataset d) {
        StringBuilder s = new StringBuilder();
        for (AbDataset.Item it : d.items()) s.append(it.question()).append('\u0000').append(it.matching()).append('\u0000').append(it.notMatching()).append('\u0001');
        return sha256(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    static String sha256(byte[] b) {
        return Sha256.hex(b);
    }

    // ------------------------------------------------------------------ JSON of a point

    static ObjectNode toJson(Point p) {
        ObjectNode n = JSON.createObjectNode();
        n.put("layer", p.layer());
        n.put("coefficient", p.coefficient());
        if (p.behaviour() != null) {
            ObjectNode b = n.putObject("behaviour");
            num(b, "mean", p.behaviour().mean());
            num(b, "stderr", p.behaviour().stderr());
            ArrayNode items = b.putArray("items");
            for (double d : p.behaviour().perItem()) items.add(d);
        }
        if (p.tax() != null) {
            ObjectNode t = n.putObject("tax");
            t.put("positions", p.tax().positions());
            num(t, "perplexity", p.tax().perplexity());
            num(t, "baseline_perplexity", p.tax().baselinePerplexity());
            num(t, "kl", p.tax().meanKl());
            num(t, "top1_agreement", p.tax().top1Agreement());
        }
        if (p.open() != null) {
            ObjectNode o = n.putObject("open");
            ArrayNode cs = o.putArray("completions");
            for (OpenEval.Completion c : p.open().completions()) {
                ObjectNode x = cs.addObject();
                x.put("prompt", c.prompt());
                x.put("text", c.text());
                if (c.scores() != null) scores(x.putObject("scores"), c.scores());
            }
            scores(o.putObject("mean_scores"), p.open().mean());
        }
        return n;
    }

    private static void scores(ObjectNode n, Judge.Scores s) {
        num(n, "concept", s.concept());
        num(n, "instruction", s.instruction());
        num(n, "fluency", s.fluency());
        num(n, "aggregate", s.aggregate());
        num(n, "behaviour", s.behaviour());
    }

    private static void num(ObjectNode n, String k, double v) {
        if (Double.isFinite(v)) n.put(k, v);
        else n.putNull(k);
    }

    private static double dbl(JsonNode n, String k) {
        JsonNode v = n.get(k);
        if (v == null || v.isNull()) return Double.NaN;
        if (!v.isNumber()) throw new IllegalArgumentException("field " + k + " is not a number");
        return v.asDouble();
    }

    static Point fromJson(JsonNode n) {
        int layer = n.get("layer").asInt();
        double c = n.get("coefficient").asDouble();
        AbEval.Result b = null;
        if (n.has("behaviour")) {
            JsonNode x = n.get("behaviour");
            double[] items = new double[x.get("items").size()];
            for (int i = 0; i < items.length; i++) items[i] = x.get("items").get(i).asDouble();
            b = new AbEval.Result(dbl(x, "mean"), items);
        }
        AlignmentTax.Result t = null;
        if (n.has("tax")) {
            JsonNode x = n.get("tax");
            t = new AlignmentTax.Result(x.get("positions").asInt(), dbl(x, "perplexity"), dbl(x, "baseline_perplexity"), dbl(x, "kl"), dbl(x, "top1_agreement"));
        }
        OpenEval.Result o = null;
        if (n.has("open")) {
            List<OpenEval.Completion> cs = new ArrayList<>();
            for (JsonNode x : n.get("open").get("completions")) {
                JsonNode s = x.get("scores");
                cs.add(new OpenEval.Completion(x.get("prompt").asText(), x.get("text").asText(), s == null ? null : scoresOf(s)));
            }
            o = new OpenEval.Result(cs, scoresOf(n.get("open").get("mean_scores")));
        }
        return new Point(layer, c, b, t, o);
    }

    private static Judge.Scores scoresOf(JsonNode s) {
        return new Judge.Scores(dbl(s, "concept"), dbl(s, "instruction"), dbl(s, "fluency"), dbl(s, "behaviour"));
    }
}
