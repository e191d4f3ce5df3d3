package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.PositionFilter;
import dev.steer4j.steer.SteeringFields;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.util.LayerList;

import java.util.function.Function;

/**
 * Reads a request body's steering fields ({@code steering}, {@code clamp}, {@code ablate}, {@code condition},
 * {@code condition_rule}, {@code keep_norm}, {@code reft}) into a {@link SteeringSpec}, and names them in errors the way the body
 * spells them ({@code steering[0].layers}).
 */
final class SteeringBody {
    private SteeringBody() {}

    /** The spec, and whether {@code condition} was one object (named {@code condition}) or an array ({@code condition[i]}). */
    record Parsed(SteeringSpec spec, boolean singleCondition) {
        SteeringFields fields() { return SteeringBody.fields(singleCondition); }
    }

    static Parsed parse(JsonNode body) {
        SteeringSpec s = SteeringSpec.none();
        for (JsonNode x : items(body, "steering", "{\"vector\", \"coefficient\", ...} objects")) {
            String p = "steering[" + s.adds().size() + "]";
            object(x, p);
            s = s.add(new SteeringSpec.Add(VectorRef.parse(x.get("vector"), p + ".vector"), bounded(x, "coefficient", p + ".coefficient"),
                    layers(x.get("layers"), p + ".layers"), site(x, p), positions(x, p)));
        }
        for (JsonNode x : items(body, "clamp", "{\"vector\", \"value\", ...} objects")) {
            String p = "clamp[" + s.clamps().size() + "]";
            object(x, p);
            s = s.clamp(new SteeringSpec.Clamp(VectorRef.parse(x.get("vector"), p + ".vector"), bounded(x, "value", p + ".value"),
                    layers(x.get("layers"), p + ".layers"), site(x, p), positions(x, p)));
        }
        for (JsonNode x : items(body, "ablate", "vector names")) {
            String p = "ablate[" + s.ablations().size() + "]";
            if (x.isTextual()) s = s.ablate(new SteeringSpec.Ablate(VectorRef.parse(x, p), null));
            else if (x.isObject()) s = s.ablate(new SteeringSpec.Ablate(VectorRef.parse(x.get("vector"), p + ".vector"), Params.optInt(x, "layer", p + ".layer", -(1 << 20), 1 << 20)));
            else throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be a vector name or {\"vector\": ..., \"layer\": L}, got " + Params.show(x));
        }
        JsonNode c = body.get("condition");
        boolean single = c != null && c.isObject();
        if (!Params.absent(c)) {
            if (single) s = s.when(condition(c, "condition"));
            else if (c.isArray()) for (int i = 0; i < c.size(); i++) s = s.when(condition(c.get(i), "condition[" + i + "]"));
            else throw ApiException.invalid("condition", "invalid_type", "'condition' must be an object or an array of objects, got " + Params.show(c));
            if (s.conditions().isEmpty()) throw ApiException.invalid("condition", "'condition' is an empty array");
        }
        String r = Params.optString(body, "condition_rule", "condition_rule");
        if (r != null) s = s.rule(grammar("condition_rule", SteeringSpec::parseRule, r));
        JsonNode reft = body.get("reft");
        if (!Params.absent(reft)) {
            if (reft.isTextual()) s = s.reft(reftName(reft, "reft"));
            else if (reft.isArray() && !reft.isEmpty()) for (int i = 0; i < reft.size(); i++) s = s.reft(reftName(reft.get(i), "reft[" + i + "]"));
            else throw ApiException.invalid("reft", "invalid_type", "'reft' must be the name of a ReFT intervention (serve --reft NAME=FILE) or an array of names, got " + Params.show(reft));
        }
        Boolean keepNorm = Params.optBool(body, "keep_norm", "keep_norm");
        return new Parsed(s.keepNorm(keepNorm != null && keepNorm), single);
    }

    private static String reftName(JsonNode x, String p) {
        if (!x.isTextual() || x.asText().isBlank())
            throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be the name of a ReFT intervention, got " + Params.show(x));
        return x.asText();
    }

    /** The largest steering coefficient or clamp value taken: beyond it the activations overflow to Inf/NaN (issue 14). */
    static final double MAX_STRENGTH = 1e6;

    private static double bounded(JsonNode x, String name, String path) {
        double v = Params.requireFinite(x, name, path);
        if (Math.abs(v) > MAX_STRENGTH)
            throw ApiException.invalid(path, "'" + path + "' must be in [-1000000, 1000000], got " + Params.show(x.get(name))
                    + " (larger values overflow the activations)");
        return v;
    }

    private static Iterable<JsonNode> items(JsonNode body, String name, String what) {
        JsonNode a = body.get(name);
        if (Params.absent(a)) return java.util.List.of();
        if (!a.isArray()) throw ApiException.invalid(name, "invalid_type", "'" + name + "' must be an array of " + what + ", got " + Params.show(a));
        return a;
    }

    private static void object(JsonNode x, String p) {
        if (!x.isObject()) throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be an object, got " + Params.show(x));
    }

    /**
     * {@code layers}: a layer list ("1-4", "1,3", "-3--1"), [from, to] inclusive, or one layer number; negative numbers
     * count from the last layer (-1); absent means every layer of the vector.
     */
    private static LayerList layers(JsonNode l, String p) {
        if (Params.absent(l)) return LayerList.ALL;
        if (l.isTextual()) return grammar(p, SteeringSpec::parseLayers, l.asText());
        if (l.isIntegralNumber() && l.canConvertToInt()) return grammar(p, SteeringSpec::parseLayers, Integer.toString(l.asInt()));
        if (l.isArray() && l.size() == 2 && l.get(0).isIntegralNumber() && l.get(1).isIntegralNumber()
                && l.get(0).canConvertToInt() && l.get(1).canConvertToInt()) {
            int a = l.get(0).asInt(), b = l.get(1).asInt();
            if ((a < 0) == (b < 0) && b < a)
                throw ApiException.invalid(p, "'" + p + "' must be [from, to] with from <= to (0 <= from <= to, or negative from the end), got " + Params.show(l));
            return grammar(p, SteeringSpec::parseLayers, a + "-" + b);
        }
        throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be a layer list (\"1-4\", \"1,3\"), [from, to] (inclusive) or one layer number, got " + Params.show(l));
    }

    private static HookSite site(JsonNode x, String p) {
        String s = Params.optString(x, "site", p + ".site");
        return s == null ? HookSite.RESID_POST : grammar(p + ".site", SteeringSpec::parseSite, s);
    }

    private static PositionFilter positions(JsonNode x, String p) {
        String s = Params.optString(x, "positions", p + ".positions");
        return s == null ? PositionFilter.ALL : grammar(p + ".positions", SteeringSpec::parsePositions, s);
    }

    private static SteeringSpec.When condition(JsonNode c, String p) {
        object(c, p);
        SteeringSpec.Ref v = VectorRef.parse(c.get("vector"), p + ".vector");
        Integer layer = Params.optInt(c, "layer", p + ".layer", -(1 << 20), 1 << 20);
        if (layer == null) throw ApiException.invalid(p + ".layer", "missing_parameter", "'" + p + ".layer' is required");
        if (Params.absent(c.get("threshold")))
            throw ApiException.invalid(p + ".threshold", "missing_parameter", "'" + p + ".threshold' (a cosine in [-1, 1]) is required");
        double threshold = Params.requireFinite(c, "threshold", p + ".threshold");
        String cmp = Params.optString(c, "comparison", p + ".comparison");
        String ag = Params.optString(c, "aggregate", p + ".aggregate");
        return new SteeringSpec.When(v, layer, threshold,
                cmp == null ? Condition.Comparison.ABOVE : grammar(p + ".comparison", SteeringSpec::parseComparison, cmp),
                ag == null ? Condition.Aggregate.MEAN : grammar(p + ".aggregate", SteeringSpec::parseAggregate, ag));
    }

    /** The shared grammar's reason as a 400 naming the field. */
    private static <T> T grammar(String field, Function<String, T> parse, String text) {
        try {
            return parse.apply(text);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(field, "'" + field + "': " + e.getMessage());
        }
    }

    /** The body's names for the parts of a steering request. */
    static SteeringFields fields(boolean singleCondition) {
        return new SteeringFields() {
            @Override
            public String name(Part part, int index, String component) {
                String base = switch (part) {
                    case ADD -> "steering";
                    case CLAMP -> "clamp";
                    case ABLATE -> "ablate";
                    case CONDITION -> "condition";
                    case RULE -> "condition_rule";
                    case KEEP_NORM -> "keep_norm";
                    case REFT -> "reft";
                };
                if (index < 0) return base;
                if (part != Part.CONDITION || !singleCondition) base += "[" + index + "]";
                if (component == null || (part == Part.ABLATE && component.equals("vector"))) return base;
                return base + "." + component;
            }

            @Override
            public String ablateLayerHint(SteeringSpec.Ref vector) {
                return "{\"vector\": " + (vector.name() != null ? "\"" + vector.name() + "\"" : "{...}") + ", \"layer\": L}";
            }
        };
    }
}
