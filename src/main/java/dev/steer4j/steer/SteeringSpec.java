package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.util.LayerList;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A steering request as a plain value, before its vectors are read: what the CLI options, the server's
 * {@code steering}/{@code clamp}/{@code ablate}/{@code condition} fields and Java code all become. It holds the one
 * grammar of steering values ({@link #parseLayers}, {@link #parseSite}, {@link #parsePositions}, ...) and resolves, in one place
 * ({@link SteeringSpecResolver}), against a model and a {@link VectorSource} into a {@link Steering}. Every mode is
 * here: add, clamp, ablate, keep-norm, sites, positions and CAST conditions.
 *
 * <pre>{@code
 * Steering s = SteeringSpec.none()
 *         .add(new SteeringSpec.Add(SteeringSpec.Ref.named("happy.gguf"), 0.8, LayerList.range(2, 4), HookSite.RESID_POST, PositionFilter.ALL))
 *         .keepNorm(true)
 *         .resolve(model, VectorSource.files()).steering();
 * }</pre>
 */
public record SteeringSpec(List<Add> adds, List<Clamp> clamps, List<Ablate> ablations, List<When> conditions,
                           ConditionRule rule, boolean keepNorm, List<String> refts) {

    /** A vector by name (a file for the CLI and Java code, a library name for the server) or inline directions by layer. */
    public record Ref(String name, SortedMap<Integer, float[]> inline) {
        public Ref {
            if ((name == null) == (inline == null)) throw new IllegalArgumentException("a vector reference needs a name or inline directions, not both");
            if (inline != null) inline = new TreeMap<>(inline);
        }

        public static Ref named(String name) { return new Ref(name, null); }

        public static Ref inline(Map<Integer, float[]> directions) { return new Ref(null, new TreeMap<>(directions)); }

        /** The name, or "inline" for inline directions (how reports and conditions name the vector). */
        public String label() { return name != null ? name : "inline"; }
    }

    /** {@code coefficient × direction.L} added at {@code blocks.L.<site>} for the vector's layers in {@code layers}. */
    public record Add(Ref vector, double coefficient, LayerList layers, HookSite site, PositionFilter positions) {
        public Add {
            if (layers == null) layers = LayerList.ALL;
            if (site == null) site = HookSite.RESID_POST;
            if (positions == null) positions = PositionFilter.ALL;
        }
    }

    /** The projection on each unit direction of the vector in {@code layers} set to {@code value}. */
    public record Clamp(Ref vector, double value, LayerList layers, HookSite site, PositionFilter positions) {
        public Clamp {
            if (layers == null) layers = LayerList.ALL;
            if (site == null) site = HookSite.RESID_POST;
            if (positions == null) positions = PositionFilter.ALL;
        }
    }

    /** The vector's direction at {@code layer} (null: its only direction) projected out of every residual write. */
    public record Ablate(Ref vector, Integer layer) {}

    /** CAST: steer only when the prompt's cosine with the vector's direction at {@code layer} is above/below the threshold. */
    public record When(Ref vector, int layer, double threshold, Condition.Comparison comparison, Condition.Aggregate aggregate) {
        public When {
            if (comparison == null) comparison = Condition.Comparison.ABOVE;
            if (aggregate == null) aggregate = Condition.Aggregate.MEAN;
        }
    }

    public SteeringSpec {
        adds = List.copyOf(adds);
        clamps = List.copyOf(clamps);
        ablations = List.copyOf(ablations);
        conditions = List.copyOf(conditions);
        refts = refts == null ? List.of() : List.copyOf(refts);
        if (rule == null) rule = ConditionRule.AND;
    }

    public SteeringSpec(List<Add> adds, List<Clamp> clamps, List<Ablate> ablations, List<When> conditions, ConditionRule rule, boolean keepNorm) {
        this(adds, clamps, ablations, conditions, rule, keepNorm, List.of());
    }

    private static final SteeringSpec NONE = new SteeringSpec(List.of(), List.of(), List.of(), List.of(), ConditionRule.AND, false, List.of());

    public static SteeringSpec none() { return NONE; }

    /** True when the spec changes nothing (conditions alone steer nothing). */
    public boolean isEmpty() { return adds.isEmpty() && clamps.isEmpty() && ablations.isEmpty() && refts.isEmpty(); }

    public SteeringSpec add(Add a) { return new SteeringSpec(plus(adds, a), clamps, ablations, conditions, rule, keepNorm, refts); }
    public SteeringSpec clamp(Clamp c) { return new SteeringSpec(adds, plus(clamps, c), ablations, conditions, rule, keepNorm, refts); }
    public SteeringSpec ablate(Ablate a) { return new SteeringSpec(adds, clamps, plus(ablations, a), conditions, rule, keepNorm, refts); }
    public SteeringSpec when(When w) { return new SteeringSpec(adds, clamps, ablations, plus(conditions, w), rule, keepNorm, refts); }
    public SteeringSpec rule(ConditionRule r) { return new SteeringSpec(adds, clamps, ablations, conditions, r, keepNorm, refts); }
    public SteeringSpec keepNorm(boolean b) { return new SteeringSpec(adds, clamps, ablations, conditions, rule, b, refts); }
    /** A LoReFT intervention by name (a file for the CLI and Java code, a name given to {@code serve --reft} for the server). */
    public SteeringSpec reft(String name) { return new SteeringSpec(adds, clamps, ablations, conditions, rule, keepNorm, plus(refts, name)); }

    /** llama.cpp control-vector semantics: every layer of the vector, at resid_post, every position. */
    public SteeringSpec add(String vector, double coefficient) {
        return add(new Add(Ref.named(vector), coefficient, LayerList.ALL, HookSite.RESID_POST, PositionFilter.ALL));
    }

    private static <T> List<T> plus(List<T> l, T x) {
        if (x == null) throw new IllegalArgumentException("null steering item");
        List<T> o = new ArrayList<>(l);
        o.add(x);
        return o;
    }

    /** Resolves against the model and the vectors, with errors naming fields as {@link SteeringFields#JAVA} does. */
    public SteeringSpecResolver.Resolved resolve(Model model, VectorSource vectors) {
        return resolve(model, vectors, SteeringFields.JAVA);
    }

    /** Resolves against the model and the vectors, with errors naming fields in the entry point's terms. */
    public SteeringSpecResolver.Resolved resolve(Model model, VectorSource vectors, SteeringFields fields) {
        return SteeringSpecResolver.resolve(this, model, vectors, fields);
    }

    // ------------------------------------------------------------------ the grammar of steering values

    /** The sites a request may steer at. */
    public static final String SITES = "resid_pre, attn_out, resid_mid, mlp_out or resid_post";

    /** A layer list ({@link LayerList#parse}). */
    public static LayerList parseLayers(String s) {
        return LayerList.parse(s);
    }

    /** {@code resid_pre}, {@code attn_out}, {@code resid_mid}, {@code mlp_out} or {@code resid_post} ({@code hook_} prefix allowed). */
    public static HookSite parseSite(String s) {
        HookSite h = null;
        try {
            h = HookSite.parsePerLayer(s);
        } catch (IllegalArgumentException ignored) {
            // reported below, with the sites a vector may steer at
        }
        if (h == null || !h.residualWidth() || !h.suffix.startsWith("hook_"))
            throw new IllegalArgumentException("'" + s + "' is not a steering site (expected " + SITES + ")");
        return h;
    }

    /** {@code all}, {@code prompt}, {@code generated} or {@code from:K}. */
    public static PositionFilter parsePositions(String s) {
        try {
            return PositionFilter.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not a position filter (expected all, prompt, generated or from:K with K >= 0)");
        }
    }

    /** {@code above} ({@code >}) or {@code below} ({@code <}). */
    public static Condition.Comparison parseComparison(String s) {
        return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "above", ">" -> Condition.Comparison.ABOVE;
            case "below", "<" -> Condition.Comparison.BELOW;
            default -> throw new IllegalArgumentException("'" + s + "' is not a comparison (expected above or below)");
        };
    }

    /** {@code mean} or {@code last}. */
    public static Condition.Aggregate parseAggregate(String s) {
        return switch (s == null ? "" : s.trim().toLowerCase(Locale.ROOT)) {
            case "mean" -> Condition.Aggregate.MEAN;
            case "last" -> Condition.Aggregate.LAST;
            default -> throw new IllegalArgumentException("'" + s + "' is not a prompt read (expected mean or last)");
        };
    }

    /** {@code and} or {@code or}. */
    public static ConditionRule parseRule(String s) {
        try {
            return ConditionRule.parse(s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + s + "' is not a condition rule (expected and or or)");
        }
    }
}
