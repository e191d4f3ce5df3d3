package dev.steer4j.serve;

import dev.steer4j.util.Sha256;
import io.javalin.http.Context;

import java.security.MessageDigest;

/** Checks {@code Authorization: Bearer <key>} on {@code /v1/*} when the server has an API key (401 otherwise). */
final class ApiKeyAuth {
    private final byte[] keyHash;

    /** {@code key} null: no key, every request passes. */
    ApiKeyAuth(String key) {
        this.keyHash = key == null ? null : Sha256.of(key);
    }

    void check(Context ctx) {
        if (keyHash == null) return;
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7))
            throw new ApiException(401, "missing API key: send 'Authorization: Bearer <key>'", "invalid_request_error", null, "missing_api_key");
        // Hash both sides so the comparison takes the same time whatever the key's length or content.
        if (!MessageDigest.isEqual(Sha256.of(h.substring(7).trim()), keyHash))
            throw new ApiException(401, "incorrect API key provided", "invalid_request_error", null, "invalid_api_key");
    }
}
