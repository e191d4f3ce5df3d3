package dev.steer4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Reads request bodies within a byte limit (413 beyond it) and parses JSON ones (400 naming the syntax error). */
final class RequestBody {
    private RequestBody() {}

    /** The body as JSON, refused when empty, malformed or over {@code limit} bytes. */
    static JsonNode json(Context ctx, long limit) throws IOException {
        byte[] b = bytes(ctx, limit, "max_body_bytes");
        if (b.length == 0) throw ApiException.invalid(null, "invalid_json", "the request body is empty; expected a JSON object");
        try {
            return Json.MAPPER.readTree(b);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ApiException.invalid(null, "invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage() + where);
        }
    }

    /** The body, refused with 413 (naming the limit) beyond {@code limit} bytes, whether or not Content-Length says so. */
    static byte[] bytes(Context ctx, long limit, String limitName) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit)
            throw new ApiException(413, "the request body is " + declared + " bytes, over the limit of " + limit + " bytes (" + limitName + ")",
                    "invalid_request_error", null, "body_too_large");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, limit)));
        byte[] buf = new byte[8192];
        long total = 0;
        try (InputStream in = ctx.req().getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit)
                    throw new ApiException(413, "the request body is over the limit of " + limit + " bytes (" + limitName + ")",
                            "invalid_request_error", null, "body_too_large");
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }
}
