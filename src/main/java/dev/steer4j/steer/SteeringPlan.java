package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.util.LayerList;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a {@link Steering}'s interventions for one model into a plan per hook point (adds summed per position
 * filter, unit ablation and clamp directions), checking every vector against the model's width and layers.
 */
final class SteeringPlan {
    private SteeringPlan() {}

    /** Every intervention at one hook point, folded into flat lists so the kernel makes one pass per kind. */
    static final class Point {
        final List<float[]> ablate = new ArrayList<>();
        final Map<PositionFilter, float[]> adds = new LinkedHashMap<>();
        final List<float[]> clampDirs = new ArrayList<>();
        final List<Float> clampValues = new ArrayList<>();
        final List<PositionFilter> clampFilters = new ArrayList<>();
    }

    static Map<HookPoint, Point> compile(List<Steering.Op> ops, List<Condition> conditions, Model model) {
        int dim = model.config().dim();
        int layers = model.config().layers();
        String mname = Steering.modelName(model);
        Map<HookPoint, Point> plans = new LinkedHashMap<>();
        for (Steering.Op op : ops) {
            switch (op) {
                case Steering.AddOp a -> {
                    for (var e : directions(a.vector(), a.layers(), a.site(), dim, layers, mname).entrySet()) {
                        Point p = plans.computeIfAbsent(e.getKey(), k -> new Point());
                        float[] sum = p.adds.computeIfAbsent(a.positions(), k -> new float[dim]);
                        float[] v = e.getValue();
                        for (int i = 0; i < dim; i++) sum[i] += (float) (v[i] * a.coefficient());
                    }
                }
                case Steering.ClampOp c -> {
                    for (var e : directions(c.vector(), c.layers(), c.site(), dim, layers, mname).entrySet()) {
                        Point p = plans.computeIfAbsent(e.getKey(), k -> new Point());
                        p.clampDirs.add(Steering.unit(e.getValue(), "clamp direction"));
                        p.clampValues.add((float) c.value());
                        p.clampFilters.add(c.positions());
                    }
                }
                case Steering.ReftOp r -> { } // its own hooks, registered by Steering.applyTo
                case Steering.AblateOp ab -> {
                    if (ab.unit().length != dim)
                        throw new IllegalArgumentException("ablation direction has n_embd " + ab.unit().length + " but model " + mname + " has " + dim);
                    if (ab.from() >= layers)
                        throw new IllegalArgumentException("ablation layers " + ab.from() + "-" + ab.to() + " are outside model " + mname + " (layers 0-" + (layers - 1) + ")");
                    if (ab.from() == 0) plans.computeIfAbsent(HookPoint.embed(), k -> new Point()).ablate.add(ab.unit());
                    for (int l = ab.from(); l <= Math.min(ab.to(), layers - 1); l++) {
                        plans.computeIfAbsent(HookPoint.of(HookSite.ATTN_OUT, l), k -> new Point()).ablate.add(ab.unit());
                        plans.computeIfAbsent(HookPoint.of(HookSite.MLP_OUT, l), k -> new Point()).ablate.add(ab.unit());
                    }
                }
            }
        }
        for (Condition c : conditions) {
            if (c.direction().length != dim)
                throw new IllegalArgumentException("condition '" + c.name() + "' has n_embd " + c.direction().length + " but model " + mname + " has " + dim);
            if (c.layer() >= layers)
                throw new IllegalArgumentException("condition '" + c.name() + "' reads layer " + c.layer() + " but model " + mname + " has layers 0-" + (layers - 1));
        }
        return plans;
    }

    /** The vector's directions in the layer list that land on hook points, checked against the model. */
    private static Map<HookPoint, float[]> directions(SteeringVector v, LayerList ls, HookSite site, int dim, int layers, String mname) {
        if (v.dim() != dim)
            throw new IllegalArgumentException(describe(v) + " has n_embd " + v.dim() + " but model " + mname + " has " + dim);
        Map<HookPoint, float[]> out = new LinkedHashMap<>();
        ls = ls.within(layers);
        var sub = ls.select(v.layers());
        if (sub.isEmpty())
            throw new IllegalArgumentException(describe(v) + " has no direction in layers " + ls + " (it has layers " + v.layers().keySet() + ")");
        if (!site.perLayer) {
            if (sub.size() != 1)
                throw new IllegalArgumentException(site.suffix + " has no layer, so the vector must have exactly one direction in range, but " + describe(v) + " has layers " + sub.keySet());
            out.put(HookPoint.of(site, -1), sub.get(sub.firstKey()));
            return out;
        }
        for (var e : sub.entrySet()) {
            if (e.getKey() >= layers)
                throw new IllegalArgumentException(describe(v) + " has a direction for layer " + e.getKey() + " but model " + mname + " has layers 0-" + (layers - 1));
            out.put(HookPoint.of(site, e.getKey()), e.getValue());
        }
        return out;
    }

    static String describe(SteeringVector v) {
        String src = v.metadata().extra().get("source");
        return src != null ? "vector file " + src : "steering vector";
    }
}
