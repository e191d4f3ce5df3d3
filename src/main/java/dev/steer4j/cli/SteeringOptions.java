package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.ConditionResult;
import dev.steer4j.steer.ConditionRule;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.VectorFileException;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The steering options, identical on {@code generate}, {@code logits} and {@code activations}, so that any steered
 * run can be compared number for number with another engine (llama.cpp's {@code --control-vector-scaled} and
 * {@code --control-vector-layer-range} map to {@code --vector} and {@code --layers}).
 */
public final class SteeringOptions {
    @Option(names = "--vector", paramLabel = "FILE:SCALE",
            description = "Add SCALE × the vector's direction.L to blocks.L.hook_resid_post at every layer L it has (repeatable; .gguf control vector or .json)")
    List<String> vectors = new ArrayList<>();

    @Option(names = "--layers", paramLabel = "A-B", description = "Only the layers A..B of every --vector and --clamp (default: every layer the file has)")
    String layers;

    @Option(names = "--positions", paramLabel = "WHICH", defaultValue = "all",
            description = "Positions the --vector and --clamp apply to: all, prompt, generated or from:K (default: ${DEFAULT-VALUE})")
    String positions;

    @Option(names = "--steer-site", paramLabel = "SITE", defaultValue = "resid_post",
            description = "Hook site of --vector and --clamp: resid_pre, attn_out, resid_mid, mlp_out or resid_post (default: ${DEFAULT-VALUE})")
    String site;

    @Option(names = "--ablate", paramLabel = "FILE[:L]",
            description = "Project the unit direction (the file's layer-L direction, or its only one) out of every write to the residual stream (repeatable)")
    List<String> ablate = new ArrayList<>();

    @Option(names = "--clamp", paramLabel = "FILE:VALUE", description = "Set the projection on each of the file's unit directions to VALUE (repeatable)")
    List<String> clamp = new ArrayList<>();

    @Option(names = "--condition", paramLabel = "FILE:LAYER:THRESHOLD",
            description = "CAST: steer only when the cosine between the prompt's activation at blocks.LAYER.hook_resid_post (see --condition-read) and the file's direction is above THRESHOLD (prefix THRESHOLD with < for below; repeatable)")
    List<String> conditions = new ArrayList<>();

    @Option(names = "--condition-rule", paramLabel = "and|or", defaultValue = "and",
            description = "How several --condition combine (default: ${DEFAULT-VALUE})")
    String conditionRule;

    @Option(names = "--condition-read", paramLabel = "mean|last", defaultValue = "mean",
            description = "Which prompt activation a --condition compares: the mean over the prompt's tokens after BOS, or the last token (default: ${DEFAULT-VALUE})")
    String conditionRead;

    @Option(names = "--keep-norm", description = "Rescale every steered row to its norm before steering (repeng's normalize)")
    boolean keepNorm;

    /** True when any steering option is given. */
    public boolean any() {
        return !vectors.isEmpty() || !ablate.isEmpty() || !clamp.isEmpty();
    }

    /** A "FILE:X" argument split at its last colon. */
    record FileArg(Path file, String value) {}

    static FileArg split(String option, String arg, String form) {
        int i = arg.lastIndexOf(':');
        if (i <= 0 || i == arg.length() - 1)
            throw new IllegalArgumentException(option + " '" + arg + "': expected " + form);
        return new FileArg(Path.of(arg.substring(0, i)), arg.substring(i + 1));
    }

    static double number(String option, String arg, String what, String text, String form) {
        try {
            double d = Double.parseDouble(text.trim());
            if (Double.isFinite(d)) return d;
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(option + " '" + arg + "': " + what + " '" + text + "' is not a number (expected " + form + ")");
    }

    static int[] layerRange(String s) {
        if (s == null) return new int[]{0, Integer.MAX_VALUE};
        String t = s.trim();
        try {
            int dash = t.indexOf('-');
            int a = Integer.parseInt(dash < 0 ? t : t.substring(0, dash).trim());
            int b = dash < 0 ? a : Integer.parseInt(t.substring(dash + 1).trim());
            if (a >= 0 && b >= a) return new int[]{a, b};
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("--layers '" + s + "': expected A-B with 0 <= A <= B (or a single layer)");
    }

    static HookSite site(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("hook_")) t = t.substring(5);
        for (HookSite h : HookSite.values()) if (h.perLayer && h.suffix.equals("hook_" + t)) return h;
        throw new IllegalArgumentException("--steer-site '" + s + "': expected resid_pre, attn_out, resid_mid, mlp_out or resid_post");
    }

    /** The direction at layer L, or the file's only direction. */
    /** Reads {@code FILE[:L]}: the file's layer-L direction, or its only direction. */
    static float[] direction(String arg, String option) {
        Path file = Path.of(arg);
        Integer layer = null;
        int i = arg.lastIndexOf(':');
        if (i > 0) {
            String tail = arg.substring(i + 1);
            try {
                layer = Integer.parseInt(tail);
                file = Path.of(arg.substring(0, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " '" + arg + "': L '" + tail + "' is not a layer number (expected FILE or FILE:L)");
            }
        }
        return pick(file, VectorFiles.read(file), layer, option);
    }

    static float[] pick(Path file, SteeringVector v, Integer layer, String option) {
        if (layer != null) {
            if (!v.has(layer))
                throw new VectorFileException(file, option + ": vector file " + file + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            return v.get(layer);
        }
        if (v.layers().size() != 1)
            throw new VectorFileException(file, option + ": vector file " + file + " has directions for layers " + v.layers().keySet() + "; choose one with " + option + " " + file + ":L");
        return v.layers().firstEntry().getValue().clone();
    }

    /** Parses every option (syntax first, then files) and builds the steering for this model. */
    public Steering build(Model model) {
        final String vf = "FILE:SCALE, e.g. happy.gguf:0.8";
        List<FileArg> vs = new ArrayList<>();
        for (String a : vectors) {
            FileArg f = split("--vector", a, vf);
            number("--vector", a, "SCALE", f.value, vf);
            vs.add(f);
        }
        int[] range = layerRange(layers);
        PositionFilter pos = PositionFilter.parse(positions);
        HookSite hs = site(site);
        ConditionRule rule = ConditionRule.parse(conditionRule);
        Condition.Aggregate read = switch (conditionRead.trim().toLowerCase(Locale.ROOT)) {
            case "mean" -> Condition.Aggregate.MEAN;
            case "last" -> Condition.Aggregate.LAST;
            default -> throw new IllegalArgumentException("--condition-read '" + conditionRead + "': expected mean or last");
        };

        Steering s = Steering.none();
        for (FileArg f : vs) {
            SteeringVector v = VectorFiles.readFor(f.file, model);
            s = s.add(v, number("--vector", f.file + ":" + f.value, "SCALE", f.value, vf), range[0], range[1], hs, pos);
        }
        for (String a : ablate) {
            float[] d = direction(a, "--ablate");
            if (d.length != model.config().dim())
                throw new VectorFileException(Path.of(a), "vector file " + a + " has n_embd " + d.length + " but model " + Steering.modelName(model) + " has " + model.config().dim());
            s = s.ablate(d);
        }
        final String cf = "FILE:VALUE, e.g. honest.gguf:4";
        for (String a : clamp) {
            FileArg f = split("--clamp", a, cf);
            double value = number("--clamp", a, "VALUE", f.value, cf);
            s = s.clamp(VectorFiles.readFor(f.file, model), value, range[0], range[1], hs, pos);
        }
        final String kf = "FILE:LAYER:THRESHOLD, e.g. harmful.gguf:2:0.1";
        for (String a : conditions) {
            FileArg outer = split("--condition", a, kf);
            FileArg inner = split("--condition", outer.file.toString(), kf);
            int layer;
            try {
                layer = Integer.parseInt(inner.value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--condition '" + a + "': LAYER '" + inner.value + "' is not a layer number (expected " + kf + ")");
            }
            String th = outer.value.trim();
            Condition.Comparison cmp = Condition.Comparison.ABOVE;
            if (th.startsWith("<")) { cmp = Condition.Comparison.BELOW; th = th.substring(1); }
            else if (th.startsWith(">")) th = th.substring(1);
            double threshold = number("--condition", a, "THRESHOLD", th, kf);
            SteeringVector v = VectorFiles.read(inner.file);
            if (!v.has(layer) && v.layers().size() != 1)
                throw new VectorFileException(inner.file, "--condition: vector file " + inner.file + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            float[] d = v.has(layer) ? v.get(layer) : v.layers().firstEntry().getValue().clone();
            s = s.when(new Condition(inner.file.getFileName().toString(), d, layer, threshold, cmp, read));
        }
        if (!conditions.isEmpty() && !any())
            throw new IllegalArgumentException("--condition needs something to steer: add --vector, --clamp or --ablate");
        return s.conditionRule(rule).keepNorm(keepNorm);
    }

    /** Prints the CAST decision (one line per condition) when there are conditions. */
    public static void report(Steering.Applied applied, PrintStream err) {
        if (applied == null) return;
        ConditionResult r = applied.conditionResult();
        if (r == null) return;
        for (ConditionResult.Score s : r.scores()) {
            err.printf(Locale.ROOT, "condition %s at layer %d: cosine %.4f %s %s -> %s%n", s.name(), s.layer(), s.score(),
                    s.comparison() == Condition.Comparison.ABOVE ? ">" : "<", s.threshold(), s.met() ? "met" : "not met");
        }
        err.printf("steering %s (rule: %s)%n", !r.decided() ? "undecided" : r.active() ? "on" : "off", r.rule());
    }
}
