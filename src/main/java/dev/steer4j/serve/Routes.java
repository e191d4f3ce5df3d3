package dev.steer4j.serve;

import dev.steer4j.util.Text;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The server's route table, and the mapping of every failure to an OpenAI-style error body with its status. */
final class Routes {
    private static final Logger LOG = LoggerFactory.getLogger(Routes.class);

    private Routes() {}

    static void install(RoutesConfig r, ApiKeyAuth auth, InfoRoutes info, CompletionEndpoint completions, VectorRoutes vectors) {
        r.before("/v1/*", auth::check);
        r.get("/", ctx -> info.asset(ctx, "index.html"));
        r.get("/playground/{file}", ctx -> info.asset(ctx, ctx.pathParam("file")));
        r.get("/health", ctx -> Json.respond(ctx, 200, info.health()));
        r.get("/metrics", info::metrics);
        r.get("/v1/models", ctx -> Json.respond(ctx, 200, info.models()));
        r.get("/v1/models/{id}", ctx -> Json.respond(ctx, 200, info.model(ctx.pathParam("id"))));
        r.post("/v1/completions", ctx -> completions.handle(ctx, false));
        r.post("/v1/chat/completions", ctx -> completions.handle(ctx, true));
        r.get("/v1/vectors", ctx -> Json.respond(ctx, 200, vectors.list()));
        r.get("/v1/vectors/{name}", ctx -> Json.respond(ctx, 200, vectors.get(ctx.pathParam("name"))));
        r.post("/v1/vectors", vectors::post);
        r.delete("/v1/vectors/{name}", ctx -> Json.respond(ctx, 200, vectors.delete(ctx.pathParam("name"))));
        r.get("/v1/guard", ctx -> Json.respond(ctx, 200, info.guard()));
        r.exception(ApiException.class, (e, ctx) -> error(ctx, e));
        r.exception(HttpResponseException.class, (e, ctx) -> error(ctx, switch (e.getStatus()) {
            case 404 -> noRoute(ctx);
            case 405 -> methodNotAllowed(ctx);
            case 413 -> new ApiException(413, "the request body is too large", "invalid_request_error", null, "body_too_large");
            default -> new ApiException(e.getStatus(), e.getMessage(), e.getStatus() >= 500 ? "server_error" : "invalid_request_error", null, "http_error");
        }));
        r.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, new ApiException(500, "internal error: " + Text.rootMessage(e), "server_error", null, "internal_error"));
        });
        r.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty() || !ctx.res().getContentType().startsWith("application/json"))
                error(ctx, noRoute(ctx));
        });
        r.error(405, ctx -> error(ctx, methodNotAllowed(ctx)));
    }

    private static ApiException noRoute(Context ctx) {
        return ApiException.notFound(null, "not_found", "no route for " + ctx.method() + " " + ctx.path());
    }

    private static ApiException methodNotAllowed(Context ctx) {
        return new ApiException(405, "method " + ctx.method() + " is not allowed on " + ctx.path(), "invalid_request_error", null, "method_not_allowed");
    }

    static void error(Context ctx, ApiException e) {
        if (e.retryAfterSeconds() != null) ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        if (e.status() >= 500) LOG.warn("{} {} -> {}: {}", ctx.method(), ctx.path(), e.status(), e.getMessage());
        Json.respond(ctx, e.status(), e.body());
    }
}
