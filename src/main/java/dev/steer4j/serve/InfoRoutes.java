package dev.steer4j.serve;

import dev.steer4j.guard.Detector;
import io.javalin.http.Context;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The read-only routes: playground assets, {@code /health}, {@code /metrics}, {@code /v1/models} and {@code /v1/guard}. */
final class InfoRoutes {
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "api.js", "text/javascript; charset=utf-8",
            "columns.js", "text/javascript; charset=utf-8",
            "tokens.js", "text/javascript; charset=utf-8",
            "extract.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    private final ServedModel served;
    private final Scheduler scheduler;
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private final SteeringDefaults defaults;

    InfoRoutes(ServedModel served, Scheduler scheduler) {
        this.served = served;
        this.scheduler = scheduler;
        this.defaults = new SteeringDefaults(served.modelId(), served.options().steer(), served.options().aliases());
        for (String name : ASSETS.keySet()) assets.put(name, resource("/steer4j/playground/" + name));
    }

    void asset(Context ctx, String name) {
        byte[] b = assets.get(name);
        if (b == null) throw ApiException.notFound(null, "not_found", "no playground asset named '" + name + "'");
        ctx.contentType(ASSETS.get(name));
        ctx.header("Cache-Control", "no-cache");
        ctx.result(b);
    }

    void metrics(Context ctx) {
        ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
        ctx.result(scheduler.metrics().scrape());
    }

    OpenAiShapes.Health health() {
        return new OpenAiShapes.Health(scheduler.running() ? "ok" : "stopping", served.modelId(), scheduler.active(),
                scheduler.queueDepth(), served.options().maxBatch(), served.options().clientSteering(),
                served.model().config().contextLength());
    }

    /** The base model, then each steered alias of {@code serve --alias}. */
    OpenAiShapes.ListOf<OpenAiShapes.ModelObject> models() {
        List<OpenAiShapes.ModelObject> out = new ArrayList<>();
        out.add(modelObject(served.modelId()));
        for (String alias : served.options().aliases().keySet()) out.add(modelObject(alias));
        return OpenAiShapes.ListOf.of(out);
    }

    /** The model or alias, or 404 naming the models this server serves. */
    OpenAiShapes.ModelObject model(String id) {
        if (!id.equals(served.modelId()) && !served.options().aliases().containsKey(id)) {
            List<String> ids = new ArrayList<>(List.of(served.modelId()));
            ids.addAll(served.options().aliases().keySet());
            throw ApiException.notFound("model", "model_not_found", "the model '" + id + "' does not exist (this server serves "
                    + (ids.size() == 1 ? "'" + ids.getFirst() + "'" : String.join(", ", ids.stream().map(x -> "'" + x + "'").toList())) + ")");
        }
        return modelObject(id);
    }

    private OpenAiShapes.ModelObject modelObject(String id) {
        var c = served.model().config();
        boolean alias = !id.equals(served.modelId());
        Object steering = alias ? defaults.aliases().get(id)
                : defaults.base().isEmpty() ? null : defaults.base();
        return new OpenAiShapes.ModelObject(id, "model", served.startedAt(), "steer4j",
                new OpenAiShapes.ModelDetails(c.architecture().ggufName, c.layers(), c.dim(), c.contextLength(),
                        served.template().isFallback() ? "plain fallback" : "jinja", alias ? served.modelId() : null, steering));
    }

    OpenAiShapes.GuardInfo guard() {
        List<OpenAiShapes.DetectorInfo> ds = new ArrayList<>();
        if (served.guard() != null)
            for (Detector d : served.guard().detectors())
                ds.add(new OpenAiShapes.DetectorInfo(d.name(), d.layer(), d.threshold(), d.policy().apiName()));
        return new OpenAiShapes.GuardInfo(served.guard() != null, ds);
    }

    private static byte[] resource(String path) {
        try (InputStream in = InfoRoutes.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path + " (broken build?)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
