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
            "style.css", "text/css; charset=utf-8");

    private final ServedModel served;
    private final Scheduler scheduler;
    private final Map<String, byte[]> assets = new LinkedHashMap<>();

    InfoRoutes(ServedModel served, Scheduler scheduler) {
        this.served = served;
        this.scheduler = scheduler;
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

    OpenAiShapes.ListOf<OpenAiShapes.ModelObject> models() {
        return OpenAiShapes.ListOf.of(List.of(modelObject()));
    }

    /** The model, or 404 naming the model this server serves. */
    OpenAiShapes.ModelObject model(String id) {
        if (!id.equals(served.modelId()))
            throw ApiException.notFound("model", "model_not_found", "the model '" + id + "' does not exist (this server serves '" + served.modelId() + "')");
        return modelObject();
    }

    private OpenAiShapes.ModelObject modelObject() {
        var c = served.model().config();
        return new OpenAiShapes.ModelObject(served.modelId(), "model", served.startedAt(), "steer4j",
                new OpenAiShapes.ModelDetails(c.architecture().ggufName, c.layers(), c.dim(), c.contextLength(),
                        served.template().isFallback() ? "plain fallback" : "jinja"));
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
