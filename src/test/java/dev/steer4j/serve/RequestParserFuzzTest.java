package dev.steer4j.serve;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Arbitrary bytes as a completion or chat request body: Jackson then {@link ServeRequest#parse}, which must either
 * give a request or an {@link ApiException} with a 4xx status (what the client sees). Anything else would be a 500.
 */
class RequestParserFuzzTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest
    void request(byte[] bytes) {
        if (bytes.length == 0) return;
        boolean chat = (bytes[0] & 1) != 0;
        JsonNode body;
        try {
            body = JSON.readTree(bytes, 1, bytes.length - 1);
        } catch (JacksonException | java.io.CharConversionException expected) {
            return; // the server answers 400 invalid_json (RequestBody.json)
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (body == null) return;
        try {
            ServeRequest.parse(body, chat);
        } catch (ApiException e) {
            if (e.status() < 400 || e.status() >= 500) throw new AssertionError("status " + e.status() + ": " + e.getMessage());
        }
    }
}
