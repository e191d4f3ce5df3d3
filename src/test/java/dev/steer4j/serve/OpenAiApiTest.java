package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.GenerationResult;
import dev.steer4j.runtime.Generator;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** The OpenAI-shaped endpoints over real HTTP: shapes, greedy agreement with the engine, streaming, usage, stop, sampling. */
class OpenAiApiTest {
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;
    static final String PROMPT = "Once upon a time";

    @BeforeAll
    static void start() {
        model = model();
        server = Steer4jServer.start(model, options(vectors).withMaxPromptTokens(64).withMaxTokens(256));
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    static JsonNode complete(Map<String, Object> body) {
        Response r = post(server, "/v1/completions", body);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    @Test
    void modelsListsTheModel() {
        Response r = get(server, "/v1/models");
        assertEquals(200, r.status());
        JsonNode d = r.json();
        assertEquals("list", d.get("object").asText());
        assertEquals("stories260K", d.get("data").get(0).get("id").asText());
        assertEquals("model", d.get("data").get(0).get("object").asText());
        assertEquals(5, d.get("data").get(0).get("steer4j").get("layers").asInt());
    }

    @Test
    void greedyCompletionMatchesTheEngineAndTheOracle() {
        JsonNode r = complete(Map.of("prompt", PROMPT, "max_tokens", 40, "temperature", 0));
        assertEquals("text_completion", r.get("object").asText());
        assertTrue(r.get("id").asText().startsWith("cmpl-"));
        JsonNode c = r.get("choices").get(0);
        // llama.cpp's greedy tokens for this prompt (shared/reference/stories260K/forward.json).
        int[] oracle = Fixtures.ints(Fixtures.json("reference/stories260K/forward.json").get("cases").get(0).get("greedy"));
        String expected = text(model, java.util.Arrays.copyOf(oracle, 40));
        assertEquals(expected, c.get("text").asText());
        assertTrue(expected.startsWith(", there was a little girl named Lily."), expected);
        assertEquals("length", c.get("finish_reason").asText());
        JsonNode u = r.get("usage");
        assertEquals(model.tokenizer().encode(PROMPT).length, u.get("prompt_tokens").asInt());
        assertEquals(5, u.get("prompt_tokens").asInt());
        assertEquals(40, u.get("completion_tokens").asInt());
        assertEquals(45, u.get("total_tokens").asInt());
    }

    @Test
    void stopStringCutsTheTextAndEndsGeneration() {
        JsonNode r = complete(Map.of("prompt", PROMPT, "max_tokens", 60, "temperature", 0, "stop", List.of("Lily", "zzz")));
        JsonNode c = r.get("choices").get(0);
        assertEquals(", there was a little girl named ", c.get("text").asText());
        assertEquals("stop", c.get("finish_reason").asText());
        // Generation ends with the token that completes "Lily": the shortest prefix of llama.cpp's greedy tokens whose
        // text holds it. The stop string is cut from the text but its tokens count as generated (as OpenAI counts them).
        int[] oracle = Fixtures.ints(Fixtures.json("reference/stories260K/forward.json").get("cases").get(0).get("greedy"));
        int k = 1;
        while (!text(model, java.util.Arrays.copyOf(oracle, k)).contains("Lily")) k++;
        assertEquals(k, r.get("usage").get("completion_tokens").asInt());
        assertEquals(10, k);

        // Streamed: the same text, and no chunk ever shows the start of the stop string ("Li").
        Response s = post(server, "/v1/completions", Map.of("prompt", PROMPT, "max_tokens", 60, "temperature", 0, "stop", "Lily", "stream", true));
        List<String> data = sseData(s.body());
        assertEquals(", there was a little girl named ", streamedText(data));
        for (String d : data) assertFalse(d.contains("\"Li\"") || d.contains("\"L\""), d);
    }

    @Test
    void streamingSendsChunksThenDoneAndMatchesTheBlockingAnswer() {
        String blocking = complete(Map.of("prompt", PROMPT, "max_tokens", 25, "temperature", 0)).get("choices").get(0).get("text").asText();
        Response s = post(server, "/v1/completions", Map.of("prompt", PROMPT, "max_tokens", 25, "temperature", 0, "stream", true,
                "stream_options", Map.of("include_usage", true)));
        assertEquals(200, s.status());
        assertTrue(s.header("Content-Type").startsWith("text/event-stream"), s.header("Content-Type"));
        List<String> data = sseData(s.body());
        assertEquals("[DONE]", data.getLast());
        assertTrue(data.size() > 10, "one chunk per token or so, got " + data.size());
        assertEquals(blocking, streamedText(data));
        JsonNode usage = read(data.get(data.size() - 2));
        assertEquals(0, usage.get("choices").size());
        assertEquals(25, usage.get("usage").get("completion_tokens").asInt());
        assertEquals(5, usage.get("usage").get("prompt_tokens").asInt());
        JsonNode last = read(data.get(data.size() - 3));
        assertEquals("length", last.get("choices").get(0).get("finish_reason").asText());
        for (String d : data.subList(0, data.size() - 3)) assertTrue(read(d).get("choices").get(0).get("finish_reason").isNull(), d);
    }

    @Test
    void chatUsesThePlainFallbackTemplate() {
        // stories260K has no chat template: the fallback joins the contents, so a single user message is a plain prompt.
        String completion = complete(Map.of("prompt", PROMPT, "max_tokens", 20, "temperature", 0)).get("choices").get(0).get("text").asText();
        Response r = post(server, "/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content", PROMPT)),
                "max_tokens", 20, "temperature", 0));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("chat.completion", j.get("object").asText());
        assertEquals("assistant", j.get("choices").get(0).get("message").get("role").asText());
        assertEquals(completion, j.get("choices").get(0).get("message").get("content").asText());
        assertEquals(5, j.get("usage").get("prompt_tokens").asInt());

        Response s = post(server, "/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content", PROMPT)),
                "max_tokens", 20, "temperature", 0, "stream", true));
        List<String> data = sseData(s.body());
        assertEquals("[DONE]", data.getLast());
        assertEquals("chat.completion.chunk", read(data.getFirst()).get("object").asText());
        assertEquals("assistant", read(data.getFirst()).get("choices").get(0).get("delta").get("role").asText());
        assertEquals(completion, streamedText(data));
    }

    @Test
    void seedMakesSamplingRepeatableAndTopPNarrowsIt() {
        Map<String, Object> body = Map.of("prompt", PROMPT, "max_tokens", 30, "temperature", 1.0, "seed", 42);
        String a = complete(body).get("choices").get(0).get("text").asText();
        String b = complete(body).get("choices").get(0).get("text").asText();
        assertEquals(a, b, "same seed, same text");
        boolean differs = false;
        for (long seed = 1; seed <= 5 && !differs; seed++)
            differs = !a.equals(complete(Map.of("prompt", PROMPT, "max_tokens", 30, "temperature", 1.0, "seed", seed)).get("choices").get(0).get("text").asText());
        assertTrue(differs, "other seeds give other samples at temperature 1");
        // A nucleus this small keeps only the most likely token: sampling becomes greedy.
        String greedy = complete(Map.of("prompt", PROMPT, "max_tokens", 30, "temperature", 0)).get("choices").get(0).get("text").asText();
        assertEquals(greedy, complete(Map.of("prompt", PROMPT, "max_tokens", 30, "temperature", 1.5, "top_p", 1e-6, "seed", 9))
                .get("choices").get(0).get("text").asText());
    }

    @Test
    void greedyAgreesWithTheInProcessGenerator() {
        String prompt = "The cat sat on the mat and";
        GenerationResult g = new Generator(model).generate(prompt, GenerationConfig.greedy(30), null);
        JsonNode r = complete(Map.of("prompt", prompt, "max_tokens", 30, "temperature", 0));
        assertEquals(g.text(), r.get("choices").get(0).get("text").asText());
        assertEquals(g.tokens().length, r.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void tokenIdPromptsAreAccepted() {
        JsonNode r = complete(Map.of("prompt", List.of(1, 403, 407, 261, 378), "max_tokens", 10, "temperature", 0));
        JsonNode t = complete(Map.of("prompt", PROMPT, "max_tokens", 10, "temperature", 0));
        assertEquals(t.get("choices").get(0).get("text").asText(), r.get("choices").get(0).get("text").asText());
    }

    @Test
    void healthAndMetrics() {
        complete(Map.of("prompt", PROMPT, "max_tokens", 3, "temperature", 0));
        Response h = get(server, "/health");
        assertEquals(200, h.status());
        assertEquals("ok", h.json().get("status").asText());
        Response m = get(server, "/metrics");
        assertEquals(200, m.status());
        assertTrue(m.header("Content-Type").startsWith("text/plain"), m.header("Content-Type"));
        String t = m.body();
        for (String name : List.of("steer4j_requests_total{endpoint=\"/v1/completions\",status=\"200\"}", "steer4j_generated_tokens_total",
                "steer4j_prompt_tokens_total", "steer4j_tokens_per_second", "steer4j_queue_depth", "steer4j_active_requests",
                "steer4j_request_duration_seconds_bucket", "steer4j_time_to_first_token_seconds_bucket", "steer4j_queue_wait_seconds_bucket",
                "steer4j_batch_sequences_bucket"))
            assertTrue(t.contains(name), "metrics lack " + name + ":\n" + t);
        double tokens = metric(t, "steer4j_generated_tokens_total");
        assertTrue(tokens >= 3, "generated tokens counted: " + tokens);
    }

    static double metric(String text, String name) {
        for (String line : text.split("\n"))
            if (line.startsWith(name + " ")) return Double.parseDouble(line.substring(name.length() + 1).trim());
        throw new AssertionError("no metric " + name);
    }

    static JsonNode read(String s) {
        try {
            return JSON.readTree(s);
        } catch (java.io.IOException e) {
            throw new AssertionError(s, e);
        }
    }
}
