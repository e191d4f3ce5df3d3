package dev.steer4j.serve;

import dev.steer4j.guard.Detector;
import dev.steer4j.guard.Guard;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Resolves a request's {@code steering}, {@code ablate}, {@code condition} and {@code projection} against the model and the library. */
final class RequestSteering {
    private final Model model;
    private final VectorLibrary library;
    private final Guard guard;

    RequestSteering(ServedModel served) {
        this.model = served.model();
        this.library = served.library();
        this.guard = served.guard();
    }
    /** Builds the request's steering: library or inline vectors, ablations, CAST conditions. */
    Steering build(ServeRequest req, Map<String, Object> echo) {
        Steering s = Steering.none();
        List<Map<String, Object>> echoSteer = new ArrayList<>();
        for (int i = 0; i < req.steering().size(); i++) {
            ServeRequest.SteerSpec sp = req.steering().get(i);
            String p = "steering[" + i + "]";
            SteeringVector v = resolve(sp.vector(), p + ".vector");
            if (v.layers().subMap(sp.fromLayer(), true, sp.toLayer(), true).isEmpty())
                throw ApiException.invalid(p + ".layers", "vector " + sp.vector().describe() + " has no direction in layers " + sp.fromLayer() + "-"
                        + (sp.toLayer() == Integer.MAX_VALUE ? "" : sp.toLayer()) + " (it has layers " + v.layers().keySet() + ")");
            try {
                s = s.add(v, sp.coefficient(), sp.fromLayer(), sp.toLayer(), HookSite.RESID_POST, sp.positions());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(p, "invalid_steering", p + ": " + e.getMessage());
            }
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("vector", sp.vector().name() != null ? sp.vector().name() : "inline");
            x.put("coefficient", sp.coefficient());
            x.put("layers", List.copyOf(v.layers().subMap(sp.fromLayer(), true, sp.toLayer(), true).keySet()));
            x.put("positions", sp.positions().toString());
            echoSteer.add(x);
        }
        List<Map<String, Object>> echoAblate = new ArrayList<>();
        for (int i = 0; i < req.ablate().size(); i++) {
            ServeRequest.AblateSpec a = req.ablate().get(i);
            String p = "ablate[" + i + "]";
            SteeringVector v = resolve(a.vector(), p);
            int layer = pickLayer(v, a.layer(), p + ".layer");
            try {
                s = s.ablate(v.get(layer));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(p, "invalid_steering", p + ": " + e.getMessage());
            }
            echoAblate.add(Map.of("vector", a.vector().name() != null ? a.vector().name() : "inline", "layer", layer));
        }
        for (int i = 0; i < req.conditions().size(); i++) {
            ServeRequest.ConditionSpec c = req.conditions().get(i);
            String p = req.conditions().size() == 1 ? "condition" : "condition[" + i + "]";
            SteeringVector v = resolve(c.vector(), p + ".vector");
            int layer = c.layer();
            float[] dir;
            if (v.has(layer)) dir = v.get(layer);
            else if (v.layers().size() == 1) dir = v.layers().firstEntry().getValue().clone();
            else throw ApiException.invalid(p + ".layer", "vector " + c.vector().describe() + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            if (layer >= model.config().layers())
                throw ApiException.invalid(p + ".layer", "'" + p + ".layer' = " + layer + " does not exist (the model has layers 0-" + (model.config().layers() - 1) + ")");
            try {
                s = s.when(new Condition(c.vector().name() != null ? c.vector().name() : "inline", dir, layer, c.threshold(), c.comparison(), c.aggregate()));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(p, "invalid_condition", p + ": " + e.getMessage());
            }
        }
        s = s.conditionRule(req.conditionRule());
        if (!echoSteer.isEmpty()) echo.put("steering", echoSteer);
        if (!echoAblate.isEmpty()) echo.put("ablate", echoAblate);
        return s;
    }

    /** The library vector or the inline directions, checked against the model's width and layers. */
    private SteeringVector resolve(VectorRef ref, String param) {
        SteeringVector v;
        if (ref.name() != null) {
            try {
                v = library.get(ref.name());
            } catch (ApiException e) {
                if (e.status() == 404) throw ApiException.notFound(param, "vector_not_found", "'" + param + "': " + e.getMessage());
                throw e;
            }
        } else {
            try {
                v = SteeringVector.of(ref.inline(), VectorMetadata.unknown().withMethod("inline"));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(param, "'" + param + "': " + e.getMessage());
            }
        }
        if (v.dim() != model.config().dim())
            throw ApiException.invalid(param, "vector " + ref.describe() + " has " + v.dim() + " numbers per layer but the model's n_embd is " + model.config().dim());
        int last = v.layers().lastKey();
        if (last >= model.config().layers())
            throw ApiException.invalid(param, "vector " + ref.describe() + " has a direction for layer " + last + " but the model has layers 0-" + (model.config().layers() - 1));
        return v;
    }

    /** The layer asked for, the only layer, or the middle one of the vector's layers. */
    private static int pickLayer(SteeringVector v, Integer layer, String param) {
        if (layer != null) {
            if (!v.has(layer)) throw ApiException.invalid(param, "the vector has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            return layer;
        }
        List<Integer> ls = new ArrayList<>(v.layers().keySet());
        return ls.get(ls.size() / 2);
    }

    ProjectionProbe probe(ServeRequest.ProjectionSpec p) {
        if (p.detector() != null) {
            Detector d = guard == null ? null : guard.detector(p.detector());
            if (d == null) throw ApiException.notFound("projection.detector", "detector_not_found", "no guard detector named \"" + p.detector() + "\""
                    + (guard == null ? " (the server runs without a guard)" : " (GET /v1/guard lists them)"));
            return new ProjectionProbe("detector:" + d.name(), d.layer(), d.direction());
        }
        SteeringVector v = resolve(p.vector(), "projection.vector");
        int layer = pickLayer(v, p.layer(), "projection.layer");
        return new ProjectionProbe(p.vector().name() != null ? p.vector().name() : "inline", layer, v.get(layer));
    }

}
