package dev.steer4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads request bodies within a byte limit (413 beyond it): JSON ones into memory (400 naming the syntax error),
 * uploads straight to a file through one small buffer, so concurrent large uploads cost disk, not heap. A client
 * that closes the connection before its body ends is a 400 {@code incomplete_body}, not a server error.
 */
final class RequestBody {
    /** The copy buffer: the most of an upload held in memory at once. */
    static final int BUFFER_BYTES = 16 * 1024;

    /**
     * How much of a refused body is still read (and discarded) before the 413 goes out. A server that answers and
     * closes while the client is still sending makes the client's TCP stack reset the connection, and the client
     * then often never sees the 413 (the soak saw 6 of 1,868 oversized requests lose it). Beyond this the
     * connection is closed without reading further.
     */
    static final long DRAIN_BYTES = 8L << 20;

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
        } catch (java.io.CharConversionException e) {
            // Jackson guesses UTF-16/32 from the first bytes and fails on them (found by RequestParserFuzzTest)
            throw ApiException.invalid(null, "invalid_json", "the request body is not valid JSON text: " + e.getMessage());
        }
    }

    /** The body, refused with 413 (naming the limit) beyond {@code limit} bytes, whether or not Content-Length says so. */
    static byte[] bytes(Context ctx, long limit, String limitName) throws IOException {
        long declared = declared(ctx, limit, limitName, ctx.req().getInputStream());
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, limit)));
        try (InputStream in = ctx.req().getInputStream()) {
            copy(in, declared, limit, limitName, out);
        }
        return out.toByteArray();
    }

    /** Streams the body into {@code file} (created or truncated); returns its length. Same limits as {@link #bytes}. */
    static long toFile(Context ctx, long limit, String limitName, Path file) throws IOException {
        long declared = declared(ctx, limit, limitName, ctx.req().getInputStream());
        try (InputStream in = ctx.req().getInputStream(); OutputStream out = Files.newOutputStream(file)) {
            return copy(in, declared, limit, limitName, out);
        }
    }

    private static long declared(Context ctx, long limit, String limitName, InputStream in) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            if (declared <= DRAIN_BYTES) drain(in, declared);
            throw new ApiException(413, "the request body is " + declared + " bytes, over the limit of " + limit + " bytes (" + limitName + ")",
                    "invalid_request_error", null, "body_too_large");
        }
        return declared;
    }

    /** Reads and discards up to {@code max} bytes; a client that goes away meanwhile ends it. */
    private static void drain(InputStream in, long max) {
        byte[] buf = new byte[BUFFER_BYTES];
        try {
            for (long n = 0; n < max; ) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, max - n));
                if (r < 0) return;
                n += r;
            }
        } catch (IOException e) {
            // the 413 is sent (or the connection is gone) either way
        }
    }

    /**
     * Copies {@code in} to {@code out} through one {@link #BUFFER_BYTES} buffer, refusing more than {@code limit}
     * bytes (413). A read that fails (the client went away mid-body) is a 400; a write that fails stays an IOException.
     */
    static long copy(InputStream in, long declared, long limit, String limitName, OutputStream out) throws IOException {
        byte[] buf = new byte[BUFFER_BYTES];
        long total = 0;
        while (true) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                throw new ApiException(400, "the request body ended after " + total + (declared >= 0 ? " of " + declared : "")
                        + " bytes (the client closed the connection or sent a broken body)", "invalid_request_error", null, "incomplete_body");
            }
            if (n < 0) break;
            total += n;
            if (total > limit) {
                drain(in, DRAIN_BYTES);
                throw new ApiException(413, "the request body is over the limit of " + limit + " bytes (" + limitName + ")",
                        "invalid_request_error", null, "body_too_large");
            }
            out.write(buf, 0, n);
        }
        return total;
    }
}
