package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code response_format: {"type": "json_object"}} constrains sampling on the bundled stories260K (a story model that
 * never writes JSON by itself): every answer, greedy or sampled, steered or not, chat or completions, streamed or
 * not, parses with Jackson as one object, and ends within max_tokens.
 */
class ResponseFormatTest {
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;
    static final Map<String, Object> JSON_OBJECT = Map.of("type", "json_object");

    @BeforeAll
    static void start() throws Exception {
        Files.copy(Fixtures.resource("reference/stories260K/cvec-1.gguf"), vectors.resolve("happy.gguf"));
        model = model();
        server = Steer4jServer.start(model, options(vectors));
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    static JsonNode parsedObject(String text, String what) {
        try {
            JsonNode n = JSON.readTree(text);
            assertTrue(n.isObject(), what + ": not an object: " + text);
            return n;
        } catch (Exception e) {
            return fail(what + ": not JSON: " + text + " (" + e.getMessage() + ")");
        }
    }

    @Test
    void completionsAndChatAnswerOneJsonObject() {
        String unconstrained = post(server, "/v1/completions", Map.of("prompt", "Once upon a time", "max_tokens", 24, "temperature", 0))
                .json().get("choices").get(0).get("text").asText();
        assertThrows(Exception.class, () -> JSON.readTree(unconstrained), "the model alone does not write JSON: " + unconstrained);
        List<String> seen = new ArrayList<>();
        for (int maxTokens : new int[]{8, 24, 60}) {
            for (Object temperature : new Object[]{0, 1.0}) {
                for (List<Map<String, Object>> steering : List.of(List.<Map<String, Object>>of(), List.of(Map.<String, Object>of("vector", "happy", "coefficient", 2.5)))) {
                    Map<String, Object> body = new HashMap<>(Map.of("prompt", "Once upon a time", "max_tokens", maxTokens, "temperature", temperature,
                            "seed", 3, "response_format", JSON_OBJECT, "steering", steering));
                    String what = "completions, max_tokens " + maxTokens + ", temperature " + temperature + ", steering " + steering;
                    Response r = post(server, "/v1/completions", body);
                    assertEquals(200, r.status(), r.body());
                    JsonNode choice = r.json().get("choices").get(0);
                    parsedObject(choice.get("text").asText(), what);
                    assertEquals("stop", choice.get("finish_reason").asText(), what);
                    assertTrue(r.json().get("usage").get("completion_tokens").asInt() <= maxTokens, what);
                    seen.add(choice.get("text").asText());

                    Map<String, Object> chat = new HashMap<>(body);
                    chat.remove("prompt");
                    chat.put("messages", List.of(Map.of("role", "user", "content", "Tell me a story as JSON")));
                    Response c = post(server, "/v1/chat/completions", chat);
                    assertEquals(200, c.status(), c.body());
                    parsedObject(c.json().get("choices").get(0).get("message").get("content").asText(), "chat, " + what);
                }
            }
        }
        // steering and sampling change the object, so the constraint is not a fixed answer
        assertTrue(seen.stream().distinct().count() >= 4, "answers: " + seen);
        assertTrue(seen.stream().anyMatch(s -> s.length() > 8), "answers: " + seen);
    }

    @Test
    void streamedJsonObjectParses() {
        Map<String, Object> body = Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 0.8, "seed", 11,
                "response_format", JSON_OBJECT, "stream", true, "logprobs", 2);
        String text = streamedText(sseData(post(server, "/v1/completions", body).body()));
        parsedObject(text, "streamed");
        Map<String, Object> blocking = new HashMap<>(body);
        blocking.remove("stream");
        assertEquals(post(server, "/v1/completions", blocking).json().get("choices").get(0).get("text").asText(), text);
    }

    @Test
    void textIsTheDefaultAndOtherTypesAreRefusedNamingTheField() {
        Map<String, Object> plain = Map.of("prompt", "Once upon a time", "max_tokens", 12, "temperature", 0);
        Map<String, Object> text = new HashMap<>(plain);
        text.put("response_format", Map.of("type", "text"));
        assertEquals(post(server, "/v1/completions", plain).json().get("choices").get(0).get("text"),
                post(server, "/v1/completions", text).json().get("choices").get(0).get("text"));
        record Bad(Object format, String param, String message) {}
        for (Bad b : List.of(
                new Bad(Map.of("type", "json_schema", "json_schema", Map.of("name", "x", "schema", Map.of())), "response_format.type",
                        "'response_format.type' json_schema is not supported by steer4j; use json_object (any JSON object) or text"),
                new Bad(Map.of("type", "xml"), "response_format.type", "'response_format.type' must be text or json_object, got \"xml\""),
                new Bad(Map.of(), "response_format.type", "'response_format.type' is required (text or json_object)"),
                new Bad("json", "response_format", "'response_format' must be an object such as {\"type\": \"json_object\"}, got \"json\""))) {
            for (String path : List.of("/v1/completions", "/v1/chat/completions")) {
                Map<String, Object> body = new HashMap<>(path.contains("chat") ? Map.of("messages", List.of(Map.of("role", "user", "content", "x"))) : plain);
                body.put("response_format", b.format());
                Response r = post(server, path, body);
                assertEquals(400, r.status(), r.body());
                JsonNode err = r.json().get("error");
                assertEquals(b.param(), err.get("param").asText(), r.body());
                assertEquals(b.message(), err.get("message").asText(), r.body());
            }
        }
    }
}
