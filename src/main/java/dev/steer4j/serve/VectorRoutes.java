package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.steer.SteeringVector;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The vector library routes: list, read, upload (GGUF or JSON, extraction included) and delete {@code /v1/vectors}. */
final class VectorRoutes {
    private static final Logger LOG = LoggerFactory.getLogger(VectorRoutes.class);

    private final ServedModel served;

    VectorRoutes(ServedModel served) {
        this.served = served;
    }

    OpenAiShapes.ListOf<OpenAiShapes.VectorEntry> list() {
        List<OpenAiShapes.VectorEntry> data = new ArrayList<>();
        for (VectorLibrary.Entry e : served.library().list()) data.add(entry(e));
        return OpenAiShapes.ListOf.of(data);
    }

    private static OpenAiShapes.VectorEntry entry(VectorLibrary.Entry e) {
        return new OpenAiShapes.VectorEntry(e.name(), "vector", e.layers(), e.dim(), e.method(), e.bytes(), e.problem());
    }

    /** One vector with its per-layer norms; 404 naming the vector when the library has none of that name. */
    OpenAiShapes.VectorDetail get(String name) {
        VectorLibrary.checkName(name, "name");
        SteeringVector v;
        try {
            v = served.library().get(name);
        } catch (ApiException e) {
            if (e.status() != 404) throw e;
            throw ApiException.notFound("name", "vector_not_found", e.getMessage());
        }
        Map<String, Double> norms = new LinkedHashMap<>();
        v.layers().forEach((l, d) -> norms.put(String.valueOf(l), Math.round(SteeringVector.norm(d) * 1e4) / 1e4));
        return new OpenAiShapes.VectorDetail(name, "vector", List.copyOf(v.layers().keySet()), v.dim(), v.metadata().method(), norms);
    }

    void post(Context ctx) throws IOException {
        checkWritable();
        String ct = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT);
        VectorLibrary.Entry entry;
        if (ct.startsWith("application/json")) {
            JsonNode body = RequestBody.json(ctx, served.options().maxBodyBytes());
            if (!body.isObject()) throw ApiException.invalid(null, "invalid_json", "the request body must be a JSON object, got " + Params.show(body));
            String name = Params.optString(body, "name", "name");
            if (name == null) throw ApiException.invalid("name", "missing_parameter", "'name' is required");
            VectorLibrary.checkName(name, "name");
            Boolean overwrite = Params.optBool(body, "overwrite", "overwrite");
            SteeringVector v = VectorExtraction.fromJson(served.model(), body);
            entry = served.library().put(name, v, overwrite != null && overwrite);
        } else {
            String name = ctx.queryParam("name");
            if (name == null) throw ApiException.invalid("name", "missing_parameter", "a GGUF upload needs the vector's name: POST /v1/vectors?name=NAME");
            VectorLibrary.checkName(name, "name");
            boolean overwrite = "true".equalsIgnoreCase(ctx.queryParam("overwrite"));
            served.library().checkAbsent(name, overwrite); // 409 before reading the body
            // streamed to a file in the library directory (never held in memory), then checked and moved onto the name
            java.nio.file.Path upload = served.library().newUpload(name);
            long length;
            try {
                length = RequestBody.toFile(ctx, served.options().maxUploadBytes(), "max_upload_bytes", upload);
            } catch (IOException | RuntimeException e) {
                java.nio.file.Files.deleteIfExists(upload);
                throw e;
            }
            if (length == 0) {
                java.nio.file.Files.deleteIfExists(upload);
                throw ApiException.invalid("file", "missing_parameter", "the upload is empty; send the control-vector GGUF as the request body");
            }
            entry = served.library().putUpload(name, upload, overwrite);
        }
        LOG.info("vector '{}' stored (layers {})", entry.name(), entry.layers());
        Json.respond(ctx, 201, entry(entry));
    }

    OpenAiShapes.Deleted delete(String rawName) {
        checkWritable();
        String name = VectorLibrary.checkName(rawName, "name");
        served.library().delete(name);
        LOG.info("vector '{}' deleted", name);
        return new OpenAiShapes.Deleted(name, "vector", true);
    }

    private void checkWritable() {
        if (!served.options().clientSteering()) throw ServedModel.clientSteeringDisabled(null, "writes to the vector library");
    }
}
