package dev.steer4j.serve;

import dev.steer4j.guard.Detector;
import dev.steer4j.guard.Guard;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.steer.SteeringSpecException;
import dev.steer4j.steer.SteeringSpecResolver;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.steer.VectorSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves a request's steering spec against the model and the vector library (errors as 400/404 naming the body's
 * field), echoes what was applied, and builds the {@code projection} probe.
 */
final class RequestSteering {
    private final Model model;
    private final VectorLibrary library;
    private final Guard guard;
    private final VectorSource source;

    RequestSteering(ServedModel served) {
        this.model = served.model();
        this.library = served.library();
        this.guard = served.guard();
        this.source = new VectorSource() {
            @Override
            public SteeringVector get(SteeringSpec.Ref ref) {
                if (ref.inline() != null) return SteeringVector.of(ref.inline(), VectorMetadata.unknown().withMethod("inline"));
                try {
                    return library.get(ref.name());
                } catch (ApiException e) {
                    if (e.status() == 404) throw new VectorSource.NotFound(e.getMessage());
                    throw e;
                }
            }

            @Override
            public String describe(SteeringSpec.Ref ref) {
                return VectorRef.describe(ref);
            }

            @Override
            public dev.steer4j.steer.ReftIntervention reft(String name) {
                var r = served.refts().get(name);
                if (r == null) throw new VectorSource.NotFound("no ReFT intervention named " + dev.steer4j.util.SafeText.quoted(name)
                        + (served.refts().isEmpty() ? " (the server was started without --reft NAME=FILE)"
                        : " (this server has " + String.join(", ", served.refts().keySet()) + ")"));
                return r;
            }
        };
    }

    /** The request's steering; what was applied goes into {@code echo} (the response's {@code steer4j} field). */
    Steering build(ServeRequest req, Map<String, Object> echo) {
        SteeringBody.Parsed parsed = req.steering();
        SteeringSpec spec = parsed.spec();
        SteeringSpecResolver.Resolved r;
        try {
            r = spec.resolve(model, source, parsed.fields());
        } catch (SteeringSpecException e) {
            String msg = "'" + e.field() + "': " + e.reason();
            if (e.notFound()) throw ApiException.notFound(e.field(), e.field().startsWith("reft") ? "reft_not_found" : "vector_not_found", msg);
            throw ApiException.invalid(e.field(), e.field().startsWith("condition") ? "invalid_condition" : "invalid_steering", msg);
        }
        List<Map<String, Object>> steer = new ArrayList<>(), clamp = new ArrayList<>(), ablate = new ArrayList<>();
        for (int i = 0; i < spec.adds().size(); i++) {
            SteeringSpec.Add a = spec.adds().get(i);
            steer.add(echo(a.vector(), "coefficient", a.coefficient(), r.addLayers().get(i), a.site(), a.positions().toString()));
        }
        for (int i = 0; i < spec.clamps().size(); i++) {
            SteeringSpec.Clamp c = spec.clamps().get(i);
            clamp.add(echo(c.vector(), "value", c.value(), r.clampLayers().get(i), c.site(), c.positions().toString()));
        }
        for (int i = 0; i < spec.ablations().size(); i++)
            ablate.add(Map.of("vector", spec.ablations().get(i).vector().label(), "layer", r.ablateLayers().get(i)));
        if (!steer.isEmpty()) echo.put("steering", steer);
        if (!clamp.isEmpty()) echo.put("clamp", clamp);
        if (!ablate.isEmpty()) echo.put("ablate", ablate);
        if (!spec.refts().isEmpty()) echo.put("reft", spec.refts());
        if (spec.keepNorm() && !spec.isEmpty()) echo.put("keep_norm", true);
        return r.steering();
    }

    private static Map<String, Object> echo(SteeringSpec.Ref v, String amountName, double amount, List<Integer> layers, HookSite site, String positions) {
        Map<String, Object> x = new LinkedHashMap<>();
        x.put("vector", v.label());
        x.put(amountName, amount);
        x.put("layers", layers);
        if (site != HookSite.RESID_POST) x.put("site", site.suffix.substring("hook_".length()));
        x.put("positions", positions);
        return x;
    }

    ProjectionProbe probe(ServeRequest.ProjectionSpec p) {
        if (p.detector() != null) {
            Detector d = guard == null ? null : guard.detector(p.detector());
            if (d == null) throw ApiException.notFound("projection.detector", "detector_not_found", "no guard detector named \"" + p.detector() + "\""
                    + (guard == null ? " (the server runs without a guard)" : " (GET /v1/guard lists them)"));
            return new ProjectionProbe("detector:" + d.name(), d.layer(), d.direction());
        }
        SteeringVector v = projectionVector(p.vector());
        if (p.layers() != null) {
            var sel = p.layers().select(v.layers());
            if (sel.isEmpty()) throw ApiException.invalid("projection.layers", VectorRef.describe(p.vector()) + " has no direction in layers " + p.layers() + " (it has layers " + v.layers().keySet() + ")");
            return new ProjectionProbe(p.vector().label(), sel, true);
        }
        int layer = pickLayer(v, p.layer());
        return new ProjectionProbe(p.vector().label(), layer, v.get(layer));
    }

    /** The projection's vector, checked against the model's width and layers. */
    private SteeringVector projectionVector(SteeringSpec.Ref ref) {
        String param = "projection.vector";
        SteeringVector v;
        try {
            v = source.get(ref);
        } catch (VectorSource.NotFound e) {
            throw ApiException.notFound(param, "vector_not_found", "'" + param + "': " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(param, "'" + param + "': " + e.getMessage());
        }
        if (v.dim() != model.config().dim())
            throw ApiException.invalid(param, VectorRef.describe(ref) + " has " + v.dim() + " numbers per layer but the model's n_embd is " + model.config().dim());
        int last = v.layers().lastKey();
        if (last >= model.config().layers())
            throw ApiException.invalid(param, VectorRef.describe(ref) + " has a direction for layer " + last + " but the model has layers 0-" + (model.config().layers() - 1));
        return v;
    }

    /** The layer asked for, the only layer, or the middle one of the vector's layers (a reading, so any layer will do). */
    private static int pickLayer(SteeringVector v, Integer layer) {
        if (layer != null) {
            if (!v.has(layer)) throw ApiException.invalid("projection.layer", "the vector has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            return layer;
        }
        List<Integer> ls = new ArrayList<>(v.layers().keySet());
        return ls.get(ls.size() / 2);
    }
}
