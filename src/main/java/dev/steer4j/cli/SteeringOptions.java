package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.ConditionResult;
import dev.steer4j.steer.ConditionRule;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringFields;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.steer.SteeringSpecException;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.VectorFileException;
import dev.steer4j.steer.VectorSource;
import dev.steer4j.util.LayerList;
import picocli.CommandLine;
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
    @Option(names = {"-v", "--vector"}, paramLabel = "FILE[:SCALE]",
            description = "Add SCALE (default 1) × the vector's direction.L to blocks.L.hook_resid_post at every layer L it has (repeatable; .gguf control vector or .json)")
    List<String> vectors = new ArrayList<>();

    @Option(names = "--control-vector", paramLabel = "FILE", description = "llama.cpp's spelling of --vector FILE (scale 1; repeatable)")
    List<String> controlVectors = new ArrayList<>();

    @Option(names = "--control-vector-scaled", arity = "2", paramLabel = "FILE SCALE",
            description = "llama.cpp's spelling of --vector FILE:SCALE (repeatable)")
    List<String> controlVectorsScaled = new ArrayList<>();

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Only these layers of every --vector and --clamp: 3, 1-4, 1,3,5-7, -1 (the last), -3--1 or all (default: every layer the file has)")
    LayerList layers;

    @Option(names = "--control-vector-layer-range", arity = "2", paramLabel = "START END",
            description = "llama.cpp's spelling of --layers START-END (inclusive; negative counts from the end)")
    List<String> controlVectorLayerRange;

    @Option(names = "--positions", paramLabel = "WHICH", defaultValue = "all",
            description = "Positions the --vector and --clamp apply to: all, prompt, generated or from:K (default: ${DEFAULT-VALUE})")
    String positions;

    @Option(names = "--site", paramLabel = "SITE", defaultValue = "resid_post", converter = SiteConverter.class,
            description = "Hook site of --vector and --clamp: resid_pre, attn_out, resid_mid, mlp_out or resid_post (hook_resid_post and blocks.L.hook_resid_post also accepted; default: ${DEFAULT-VALUE})")
    HookSite site;

    /** The old spelling of {@code --site}, kept so that older command lines still run. */
    @Option(names = "--steer-site", paramLabel = "SITE", hidden = true, converter = SiteConverter.class)
    HookSite steerSite;

    @Option(names = "--ablate", paramLabel = "FILE[:L]",
            description = "Project the unit direction (the file's layer-L direction, or its only one) out of every write to the residual stream (repeatable)")
    List<String> ablate = new ArrayList<>();

    @Option(names = "--clamp", paramLabel = "FILE:VALUE", description = "Set the projection on each of the file's unit directions to VALUE (repeatable)")
    List<String> clamp = new ArrayList<>();

    @Option(names = "--condition", paramLabel = "FILE:LAYER:THRESHOLD",
            description = "CAST: steer only when the cosine between the prompt's activation at blocks.LAYER.hook_resid_post (see --condition-read) and the file's direction is above THRESHOLD (prefix THRESHOLD with < for below; repeatable)")
    List<String> conditions = new ArrayList<>();

    @Option(names = "--condition-rule", paramLabel = "and|or", defaultValue = "and", converter = RuleConverter.class,
            description = "How several --condition combine (default: ${DEFAULT-VALUE})")
    ConditionRule conditionRule;

    @Option(names = "--condition-read", paramLabel = "mean|last", defaultValue = "mean", converter = ReadConverter.class,
            description = "Which prompt activation a --condition compares: the mean over the prompt's tokens after BOS, or the last token (default: ${DEFAULT-VALUE})")
    Condition.Aggregate conditionRead;

    @Option(names = "--reft", paramLabel = "FILE",
            description = "Apply a trained LoReFT intervention (a file written by 'steer4j reft') at blocks.L.hook_resid_post of its layers (repeatable)")
    List<String> refts = new ArrayList<>();

    @Option(names = "--keep-norm", description = "Rescale every steered row to its norm before steering (repeng's normalize)")
    boolean keepNorm;

    /** picocli readers of the enumerated options, through the shared grammar of {@link SteeringSpec}. */
    static final class SiteConverter implements CommandLine.ITypeConverter<HookSite> {
        @Override public HookSite convert(String v) { return converted(SteeringSpec::parseSite, v); }
    }

    static final class RuleConverter implements CommandLine.ITypeConverter<ConditionRule> {
        @Override public ConditionRule convert(String v) { return converted(SteeringSpec::parseRule, v); }
    }

    static final class ReadConverter implements CommandLine.ITypeConverter<Condition.Aggregate> {
        @Override public Condition.Aggregate convert(String v) { return converted(SteeringSpec::parseAggregate, v); }
    }

    private static <T> T converted(java.util.function.Function<String, T> parse, String v) {
        try {
            return parse.apply(v);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }

    /** True when any steering option is given. */
    public boolean any() {
        return !vectors.isEmpty() || !controlVectors.isEmpty() || !controlVectorsScaled.isEmpty() || !ablate.isEmpty() || !clamp.isEmpty() || !refts.isEmpty();
    }

    /** How the command line names the parts of a steering request in errors. */
    static final SteeringFields FIELDS = new SteeringFields() {
        @Override
        public String name(Part part, int index, String component) {
            String c = component == null ? "" : component;
            return switch (part) {
                case ADD -> switch (c) {
                    case "layers" -> "--layers";
                    case "site" -> "--site";
                    case "positions" -> "--positions";
                    default -> "--vector";
                };
                case CLAMP -> switch (c) {
                    case "layers" -> "--layers";
                    case "site" -> "--site";
                    case "positions" -> "--positions";
                    default -> "--clamp";
                };
                case ABLATE -> "--ablate";
                case CONDITION -> c.equals("aggregate") ? "--condition-read" : "--condition";
                case RULE -> "--condition-rule";
                case KEEP_NORM -> "--keep-norm";
                case REFT -> "--reft";
            };
        }

        @Override
        public String ablateLayerHint(SteeringSpec.Ref vector) {
            return "--ablate " + vector.label() + ":L";
        }
    };

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

    /** The shared grammar's reason, prefixed with the option. */
    static <T> T grammar(String option, java.util.function.Function<String, T> parse, String text) {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw new SteeringSpecException(option, e.getMessage());
        }
    }

    /** Reads {@code FILE[:L]}: the file's layer-L direction (negative L counts from the model's end), or its only direction. */
    static float[] direction(String arg, String option, int layerCount) {
        SteeringSpec.Ablate a = ablation(arg, option);
        SteeringVector v = VectorFiles.read(Path.of(a.vector().name()));
        Path file = Path.of(a.vector().name());
        if (a.layer() != null) {
            int layer;
            try {
                layer = LayerList.index(a.layer(), layerCount);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " '" + arg + "': " + e.getMessage(), e);
            }
            if (!v.has(layer))
                throw new VectorFileException(file, option + ": vector file " + file + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            return v.get(layer);
        }
        if (v.layers().size() != 1)
            throw new VectorFileException(file, option + ": vector file " + file + " has directions for layers " + v.layers().keySet() + "; choose one with " + option + " " + file + ":L");
        return v.layers().firstEntry().getValue().clone();
    }

    /** {@code FILE[:L]} as an ablation. */
    static SteeringSpec.Ablate ablation(String arg, String option) {
        int i = arg.lastIndexOf(':');
        if (i > 0) {
            String tail = arg.substring(i + 1);
            try {
                return new SteeringSpec.Ablate(SteeringSpec.Ref.named(arg.substring(0, i)), Integer.parseInt(tail));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " '" + arg + "': L '" + tail + "' is not a layer number (expected FILE or FILE:L)");
            }
        }
        return new SteeringSpec.Ablate(SteeringSpec.Ref.named(arg), null);
    }

    /** The options as a steering spec: their syntax is checked here, their vectors when the spec is resolved. */
    public SteeringSpec spec() {
        final String vf = "FILE:SCALE, e.g. happy.gguf:0.8";
        final String cf = "FILE:VALUE, e.g. honest.gguf:4";
        final String kf = "FILE:LAYER:THRESHOLD, e.g. harmful.gguf:2:0.1";
        LayerList range = layers == null ? LayerList.ALL : layers;
        if (controlVectorLayerRange != null) {
            if (layers != null) throw new IllegalArgumentException("give --layers or --control-vector-layer-range, not both");
            String from = controlVectorLayerRange.get(0).trim(), to = controlVectorLayerRange.get(1).trim();
            range = grammar("--control-vector-layer-range", LayerList::parse, from + "-" + to);
        }
        PositionFilter pos = grammar("--positions", SteeringSpec::parsePositions, positions);
        HookSite hs = steerSite != null ? steerSite : site;
        ConditionRule rule = conditionRule;
        Condition.Aggregate read = conditionRead;
        SteeringSpec s = SteeringSpec.none();
        List<String[]> adds = new ArrayList<>();
        for (String a : vectors) {
            if (a.lastIndexOf(':') <= 0) adds.add(new String[]{a, "1", "--vector", a});
            else {
                FileArg f = split("--vector", a, vf);
                adds.add(new String[]{f.file.toString(), f.value, "--vector", a});
            }
        }
        for (String a : controlVectors) adds.add(new String[]{a, "1", "--control-vector", a});
        for (int i = 0; i + 1 < controlVectorsScaled.size(); i += 2)
            adds.add(new String[]{controlVectorsScaled.get(i), controlVectorsScaled.get(i + 1), "--control-vector-scaled",
                    controlVectorsScaled.get(i) + " " + controlVectorsScaled.get(i + 1)});
        for (String[] a : adds)
            s = s.add(new SteeringSpec.Add(SteeringSpec.Ref.named(a[0]), number(a[2], a[3], "SCALE", a[1], a[2].equals("--vector") ? vf : "FILE SCALE"), range, hs, pos));
        for (String a : ablate) s = s.ablate(ablation(a, "--ablate"));
        for (String a : clamp) {
            FileArg f = split("--clamp", a, cf);
            s = s.clamp(new SteeringSpec.Clamp(SteeringSpec.Ref.named(f.file.toString()), number("--clamp", a, "VALUE", f.value, cf), range, hs, pos));
        }
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
            s = s.when(new SteeringSpec.When(SteeringSpec.Ref.named(inner.file.toString()), layer, threshold, cmp, read));
        }
        for (String r : refts) s = s.reft(r);
        return s.rule(rule).keepNorm(keepNorm);
    }

    /** Parses every option (syntax first, then files) and builds the steering for this model. */
    public Steering build(Model model) {
        return spec().resolve(model, VectorSource.files(), FIELDS).steering();
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
