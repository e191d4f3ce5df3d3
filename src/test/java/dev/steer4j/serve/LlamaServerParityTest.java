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
import java.util.List;
import java.util.Map;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** llama-server's routes and defaults, echo, prompt arrays, streamed logprobs and server-wide steering over raw HTTP. */
class LlamaServerParityTest {
    static final String PROMPT = "Once upon a time";
    static final JsonNode REF = Fixtures.json("reference/stories260K/forward.json").get("cases").get(0);
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;

    @BeforeAll
    static void start() throws Exception {
        Files.copy(Fixtures.resource("reference/stories260K/cvec-1.gguf"), vectors.resolve("happy.gguf"));
        model = model();
        server = Steer4jServer.start(model, options(vectors).withDefaultMaxTokens(7));
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    @Test
    void tokenizeAndDetokenizeRoundTrip() {
        Response t = post(server, "/tokenize", Map.of("content", PROMPT, "add_special", true));
        assertEquals(200, t.status(), t.body());
        assertEquals(REF.get("tokens"), t.json().get("tokens"), "llama.cpp's tokens, BOS first");
        Response plain = post(server, "/tokenize", Map.of("content", PROMPT, "with_pieces", true));
        assertEquals("{\"id\":403,\"piece\":\" Once\"}", plain.json().get("tokens").get(0).toString());
        Response d = post(server, "/detokenize", Map.of("tokens", List.of(403, 407, 261, 378)));
        assertEquals(PROMPT, d.json().get("content").asText());
        Response bad = post(server, "/detokenize", Map.of("tokens", List.of(1, 9999)));
        assertEquals(400, bad.status());
        assertEquals("'tokens[1]' = 9999 is not a token id (the vocabulary has ids 0-511)", bad.json().get("error").get("message").asText());
    }

    @Test
    void propsAndTheDefaultMaxTokens() {
        JsonNode p = get(server, "/props").json();
        assertEquals(7, p.get("default_generation_settings").get("n_predict").asInt());
        assertEquals(2048, p.get("n_ctx").asInt());
        assertEquals(512, p.get("n_vocab").asInt());
        Response chat = post(server, "/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content", PROMPT)), "temperature", 0));
        assertEquals(7, chat.json().get("usage").get("completion_tokens").asInt(), "a chat without max_tokens gets -n tokens, not the context");
        assertEquals("length", chat.json().get("choices").get(0).get("finish_reason").asText());
    }

    @Test
    void echoAndPromptArrays() {
        JsonNode r = post(server, "/v1/completions", Map.of("prompt", List.of(PROMPT, "The cat"), "max_tokens", 8, "temperature", 0, "echo", true)).json();
        JsonNode ch = r.get("choices");
        assertEquals(2, ch.size());
        String first = post(server, "/v1/completions", Map.of("prompt", PROMPT, "max_tokens", 8, "temperature", 0)).json().get("choices").get(0).get("text").asText();
        assertEquals(PROMPT + first, ch.get(0).get("text").asText());
        assertTrue(ch.get(1).get("text").asText().startsWith("The cat"));
        assertEquals(1, ch.get(1).get("index").asInt());
        assertEquals(16, r.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void streamedLogprobsMatchTheBlockingOnes() {
        Map<String, Object> body = Map.of("prompt", PROMPT, "max_tokens", 10, "temperature", 0, "logprobs", 1);
        JsonNode blocking = post(server, "/v1/completions", body).json().get("choices").get(0).get("logprobs");
        Map<String, Object> streamed = new java.util.HashMap<>(body);
        streamed.put("stream", true);
        List<Double> lps = new java.util.ArrayList<>();
        for (String d : sseData(post(server, "/v1/completions", streamed).body())) {
            if (d.equals("[DONE]")) continue;
            JsonNode lp = readJson(d).get("choices").path(0).path("logprobs");
            if (lp.isObject()) lp.get("token_logprobs").forEach(x -> lps.add(x.asDouble()));
        }
        assertEquals(10, lps.size());
        for (int i = 0; i < 10; i++) assertEquals(blocking.get("token_logprobs").get(i).asDouble(), lps.get(i), 1e-12);
    }

    @Test
    void streamedTextOffsetsCountFromTheStartOfTheWholeText() {
        for (boolean echo : new boolean[]{false, true}) {
            Map<String, Object> body = new java.util.HashMap<>(Map.of("prompt", PROMPT, "max_tokens", 10, "temperature", 0, "logprobs", 0, "echo", echo));
            JsonNode blocking = post(server, "/v1/completions", body).json().get("choices").get(0).get("logprobs").get("text_offset");
            body.put("stream", true);
            List<Integer> offsets = new java.util.ArrayList<>();
            StringBuilder text = new StringBuilder();
            for (String d : sseData(post(server, "/v1/completions", body).body())) {
                if (d.equals("[DONE]")) continue;
                JsonNode c = readJson(d).get("choices").path(0);
                text.append(c.path("text").asText());
                if (c.path("logprobs").isObject()) c.get("logprobs").get("text_offset").forEach(x -> offsets.add(x.asInt()));
            }
            assertEquals(10, offsets.size(), "echo " + echo);
            int start = echo ? PROMPT.length() : 0;
            assertEquals(start, offsets.getFirst(), "echo " + echo);
            for (int i = 0; i < 10; i++) assertEquals(blocking.get(i).asInt(), offsets.get(i), "echo " + echo + ", token " + i);
            assertTrue(offsets.get(9) > offsets.get(1) && offsets.get(9) < text.length(), offsets + " in " + text.length() + " characters");
        }
    }

    @Test
    void serverWideSteeringTakesLayersCountedFromTheEnd(@TempDir Path other) throws Exception {
        Files.copy(Fixtures.resource("reference/stories260K/cvec-1.gguf"), other.resolve("happy.gguf"));
        try (Steer4jServer steered = Steer4jServer.start(model, options(other).withSteer(List.of("happy:2.5:-3--2")))) {
            JsonNode r = post(steered, "/v1/completions", Map.of("prompt", PROMPT, "max_tokens", 40, "temperature", 0)).json();
            assertEquals(Fixtures.json("reference/stories260K/steer_add.json").get("cases").get(1).get("greedy_text").asText(),
                    r.get("choices").get(0).get("text").asText());
        }
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> SteeringDefaults.item("happy:1:-1--3", "--steer"));
        assertEquals("--steer 'happy:1:-1--3': LAYERS: '-1--3': the range '-1--3' runs backwards (expected NAME:COEF[:LAYERS], e.g. happy:1.5, happy:1.5:2-4 or happy:1.5:-2--1)",
                bad.getMessage());
    }

    @Test
    void serverWideSteeringAppliesToClientsThatSendNone(@TempDir Path other) throws Exception {
        Files.copy(Fixtures.resource("reference/stories260K/cvec-1.gguf"), other.resolve("happy.gguf"));
        Map<String, Object> plainBody = Map.of("prompt", PROMPT, "max_tokens", 40, "temperature", 0);
        try (Steer4jServer steered = Steer4jServer.start(model, options(other).withSteer(List.of("happy:2.5:2-3")).withClientSteering(false))) {
            JsonNode r = post(steered, "/v1/completions", plainBody).json();
            // the reference's steered greedy text (llama.cpp --control-vector-scaled cvec-1.gguf 2.5 --control-vector-layer-range 2 3)
            assertEquals(Fixtures.json("reference/stories260K/steer_add.json").get("cases").get(1).get("greedy_text").asText(),
                    r.get("choices").get(0).get("text").asText());
            assertEquals("happy", get(steered, "/v1/models").json().get("data").get(0).get("steer4j").get("steering").get(0).get("vector").asText());
            // --no-client-steering still refuses the client's own steering
            Response refused = post(steered, "/v1/completions", Map.of("prompt", PROMPT, "steering", List.of(Map.of("vector", "happy", "coefficient", 1))));
            assertEquals(403, refused.status());
        }
    }

    static JsonNode readJson(String s) {
        try {
            return JSON.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(s, e);
        }
    }
}
