package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.HookPoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Every 4xx (and the 5xx of overload and timeout) with its OpenAI-style error object; the server keeps serving. */
class ErrorPathsTest {
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;

    @BeforeAll
    static void start() {
        model = model();
        server = Steer4jServer.start(model, options(vectors).withMaxPromptTokens(32).withMaxTokens(100).withMaxBodyBytes(4096));
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    /** Asserts the status and the error object, returns the error. */
    static JsonNode error(Response r, int status, String param, String code, String messagePart) {
        assertEquals(status, r.status(), r.body());
        JsonNode e = r.json().get("error");
        assertNotNull(e, r.body());
        assertTrue(e.has("message") && e.has("type") && e.has("param") && e.has("code"), r.body());
        if (param == null) assertTrue(e.get("param").isNull(), r.body());
        else assertEquals(param, e.get("param").asText(), r.body());
        assertEquals(code, e.get("code").asText(), r.body());
        assertTrue(e.get("message").asText().contains(messagePart), "message should contain '" + messagePart + "': " + r.body());
        return e;
    }

    static Response completion(String json) {
        return post(server, "/v1/completions", json);
    }

    @Test
    void malformedBodies() {
        error(completion("{\"prompt\": \"x\""), 400, null, "invalid_json", "not valid JSON");
        error(completion("{bad json}"), 400, null, "invalid_json", "line 1, column 2");
        error(completion(""), 400, null, "invalid_json", "body is empty");
        error(completion("[1, 2]"), 400, null, "invalid_json", "must be a JSON object");
        error(completion("\"prompt\""), 400, null, "invalid_json", "must be a JSON object");
        error(completion("{\"prompt\": \"x\"} trailing"), 400, null, "invalid_json", "not valid JSON");
        error(post(server, "/v1/chat/completions", "{\"messages\": ["), 400, null, "invalid_json", "not valid JSON");
    }

    @Test
    void badParameters() {
        error(completion("{}"), 400, "prompt", "missing_parameter", "'prompt' is required");
        error(completion("{\"prompt\": 7}"), 400, "prompt", "invalid_type", "'prompt' must be a string");
        error(completion("{\"prompt\": [\"a\", \"b\"]}"), 400, "prompt", "unsupported_parameter", "batches of 2 prompts");
        error(completion("{\"prompt\": [1, 99999]}"), 400, "prompt", "invalid_value", "'prompt[1]' = 99999 is not a token id");
        error(completion("{\"prompt\": \"x\", \"max_tokens\": \"ten\"}"), 400, "max_tokens", "invalid_type", "'max_tokens' must be an integer, got \"ten\"");
        error(completion("{\"prompt\": \"x\", \"max_tokens\": -1}"), 400, "max_tokens", "invalid_value", "must be in 0-");
        error(completion("{\"prompt\": \"x\", \"max_tokens\": 1.5}"), 400, "max_tokens", "invalid_type", "must be an integer");
        error(completion("{\"prompt\": \"x\", \"temperature\": 3}"), 400, "temperature", "invalid_value", "'temperature' must be in [0, 2], got 3");
        error(completion("{\"prompt\": \"x\", \"temperature\": \"hot\"}"), 400, "temperature", "invalid_type", "must be a number");
        error(completion("{\"prompt\": \"x\", \"top_p\": 0}"), 400, "top_p", "invalid_value", "'top_p' must be in (0, 1], got 0");
        error(completion("{\"prompt\": \"x\", \"seed\": \"s\"}"), 400, "seed", "invalid_type", "'seed' must be an integer");
        error(completion("{\"prompt\": \"x\", \"stop\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}"), 400, "stop", "invalid_value", "at most 4");
        error(completion("{\"prompt\": \"x\", \"stop\": [1]}"), 400, "stop", "invalid_type", "'stop[0]' must be a string");
        error(completion("{\"prompt\": \"x\", \"stream\": \"yes\"}"), 400, "stream", "invalid_type", "'stream' must be true or false");
        error(completion("{\"prompt\": \"x\", \"n\": 2}"), 400, "n", "unsupported_parameter", "'n' = 2 is not supported");
        error(completion("{\"prompt\": \"x\", \"logit_bias\": {\"5\": 1}}"), 400, "logit_bias", "unsupported_parameter", "not supported");
        error(completion("{\"prompt\": \"x\", \"stream_options\": 3}"), 400, "stream_options", "invalid_type", "must be an object");
    }

    @Test
    void badChatParameters() {
        Response r = post(server, "/v1/chat/completions", "{\"messages\": []}");
        error(r, 400, "messages", "invalid_value", "at least one message");
        error(post(server, "/v1/chat/completions", "{}"), 400, "messages", "missing_parameter", "'messages' is required");
        error(post(server, "/v1/chat/completions", "{\"messages\": [{\"role\": \"wizard\", \"content\": \"hi\"}]}"), 400,
                "messages[0].role", "invalid_value", "got \"wizard\"");
        error(post(server, "/v1/chat/completions", "{\"messages\": [{\"content\": \"hi\"}]}"), 400, "messages[0].role", "missing_parameter", "required");
        error(post(server, "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": [{\"type\": \"image_url\"}]}]}"), 400,
                "messages[0].content[0]", "unsupported_parameter", "text models only");
        error(post(server, "/v1/chat/completions", "{\"messages\": [\"hi\"]}"), 400, "messages[0]", "invalid_type", "must be an object");
        error(post(server, "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\"}]}"),
                400, "tools", "unsupported_parameter", "not supported");
    }

    @Test
    void badSteeringFields() {
        error(completion("{\"prompt\": \"x\", \"steering\": {}}"), 400, "steering", "invalid_type", "must be an array");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": \"nope\", \"coefficient\": 1}]}"), 404,
                "steering[0].vector", "vector_not_found", "no vector named \"nope\"");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": \"../../etc/passwd\", \"coefficient\": 1}]}"), 400,
                "steering[0].vector", "invalid_vector_name", "must be a vector name");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": \"happy\"}]}"), 400, "steering[0].coefficient", "missing_parameter", "required");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"2\": [1, 2]}, \"coefficient\": 1}]}"), 400,
                "steering[0].vector", "invalid_steering", "has n_embd 2 but model stories260K.gguf has 64");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"x\": [1]}, \"coefficient\": 1}]}"), 400,
                "steering[0].vector.x", "invalid_value", "keys must be layer numbers");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"9\": " + zeros(64) + "}, \"coefficient\": 1}]}"), 400,
                "steering[0].vector", "invalid_steering", "layer 9 but model stories260K.gguf has layers 0-4");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"2\": " + zeros(64) + "}, \"coefficient\": 1, \"positions\": \"some\"}]}"), 400,
                "steering[0].positions", "invalid_value", "all, prompt, generated or from:K");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"2\": " + zeros(64) + "}, \"coefficient\": 1, \"layers\": [3, 1]}]}"), 400,
                "steering[0].layers", "invalid_value", "0 <= from <= to");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"2\": " + zeros(64) + "}, \"coefficient\": 1, \"layers\": [3, 4]}]}"), 400,
                "steering[0].layers", "invalid_steering", "no direction in layers 3-4");
        error(completion("{\"prompt\": \"x\", \"ablate\": [\"nope\"]}"), 404, "ablate[0]", "vector_not_found", "no vector named");
        error(completion("{\"prompt\": \"x\", \"ablate\": [{\"vector\": {\"2\": " + zeros(64) + "}}]}"), 400, "ablate[0]", "invalid_steering", "norm");
        error(completion("{\"prompt\": \"x\", \"condition\": {\"vector\": {\"2\": " + ones(64) + "}, \"layer\": 2, \"threshold\": 0.1}}"), 400,
                "condition", "invalid_condition", "a condition gates steering, but there is none (add steering, clamp or ablate)");
        error(completion("{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"2\": " + ones(64) + "}, \"coefficient\": 1}], \"condition\": {\"vector\": {\"2\": " + ones(64) + "}, \"layer\": 2}}"), 400,
                "condition.threshold", "missing_parameter", "required");
        error(completion("{\"prompt\": \"x\", \"projection\": {\"detector\": \"sad\"}}"), 404, "projection.detector", "detector_not_found", "without a guard");
    }

    @Test
    void limitsNameTheLimit() {
        String longPrompt = "Once upon a time ".repeat(20);
        error(completion("{\"prompt\": \"" + longPrompt + "\"}"), 400, "prompt", "prompt_too_long", "over the limit of 32 tokens (max_prompt_tokens)");
        error(post(server, "/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content", longPrompt)))), 400,
                "messages", "prompt_too_long", "(max_prompt_tokens)");
        error(completion("{\"prompt\": \"x\", \"max_tokens\": 101}"), 400, "max_tokens", "max_tokens_too_large", "over the server's limit of 100 (max_tokens limit)");
        String big = "{\"prompt\": \"" + "a".repeat(5000) + "\"}";
        error(completion(big), 413, null, "body_too_large", "over the limit of 4096 bytes (max_body_bytes)");
    }

    @Test
    void routesAndMethods() {
        error(get(server, "/v1/nothing"), 404, null, "not_found", "no route");
        error(get(server, "/v1/models/gpt-4"), 404, "model", "model_not_found", "'gpt-4' does not exist");
        error(get(server, "/v1/vectors/nope"), 404, "name", "vector_not_found", "no vector named");
        error(delete(server, "/v1/vectors/nope"), 404, "name", "vector_not_found", "no vector named");
        error(get(server, "/v1/vectors/..%2F..%2Fsecret"), 400, "name", "invalid_vector_name", "must be a vector name");
        Response r = send(HttpRequest.newBuilder(URI.create(server.url() + "v1/completions")).GET().build());
        assertTrue(r.status() == 404 || r.status() == 405, r.status() + " " + r.body());
        assertNotNull(r.json().get("error"), r.body());
    }

    @Test
    void theServerKeepsServingAfterErrors() {
        for (int i = 0; i < 5; i++) completion("{oops");
        Response ok = post(server, "/v1/completions", Map.of("prompt", "Once upon a time", "max_tokens", 5, "temperature", 0));
        assertEquals(200, ok.status(), ok.body());
        assertEquals(", there was a little", ok.json().get("choices").get(0).get("text").asText());
    }

    @Test
    void apiKeyIsRequiredAndCheckedWhenSet(@TempDir Path dir) {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir).withApiKey("s3cret-key"))) {
            String body = "{\"prompt\": \"Once\", \"max_tokens\": 2}";
            Response none = post(s, "/v1/completions", body);
            assertEquals(401, none.status());
            assertEquals("missing_api_key", none.json().get("error").get("code").asText());
            Response wrong = send(HttpRequest.newBuilder(URI.create(s.url() + "v1/completions")).header("Authorization", "Bearer s3cret-kez")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertEquals(401, wrong.status());
            assertEquals("invalid_api_key", wrong.json().get("error").get("code").asText());
            assertFalse(wrong.body().contains("s3cret"), "the key never shows in answers");
            Response right = send(HttpRequest.newBuilder(URI.create(s.url() + "v1/completions")).header("Authorization", "Bearer s3cret-key")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build());
            assertEquals(200, right.status(), right.body());
            assertEquals(401, get(s, "/v1/models").status());
            assertEquals(200, get(s, "/health").status(), "health stays open for probes");
            assertFalse(s.options().toString().contains("s3cret"), "options print without the key");
        }
    }

    /** A hook that makes every forward pass of a request take a while, like a big model would. */
    static void slow(Steer4jServer s, long millis, CountDownLatch started) {
        s.addRequestHook(seq -> seq.hooks().add(HookPoint.embed(), a -> {
            if (started != null) started.countDown();
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
    }

    @Test
    void fullQueueAnswers429WithRetryAfter(@TempDir Path dir) throws Exception {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir).withMaxBatch(1).withQueueCapacity(1))) {
            CountDownLatch started = new CountDownLatch(1);
            slow(s, 20, started);
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 40, \"temperature\": 0}";
            CompletableFuture<Response> first = CompletableFuture.supplyAsync(() -> post(s, "/v1/completions", body));
            assertTrue(started.await(30, TimeUnit.SECONDS));
            CompletableFuture<Response> second = CompletableFuture.supplyAsync(() -> post(s, "/v1/completions", body));
            waitFor(() -> s.options() != null && queueDepth(s) == 1);
            Response third = post(s, "/v1/completions", body);
            JsonNode e = error(third, 429, null, "queue_full", "the server is busy");
            assertEquals("rate_limit_error", e.get("type").asText());
            assertEquals("1", third.header("Retry-After"));
            assertEquals(200, first.get(60, TimeUnit.SECONDS).status());
            assertEquals(200, second.get(60, TimeUnit.SECONDS).status(), "the queued request is served once a slot frees");
            assertTrue(get(s, "/metrics").body().contains("steer4j_requests_total{endpoint=\"/v1/completions\",status=\"429\"} 1.0"));
        }
    }

    static int queueDepth(Steer4jServer s) {
        return get(s, "/health").json().get("queue_depth").asInt();
    }

    static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) fail("condition not met in 30 s");
            Thread.sleep(10);
        }
    }

    @Test
    void requestsTimeOut(@TempDir Path dir) {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir).withRequestTimeout(Duration.ofMillis(400)))) {
            slow(s, 30, null);
            Response r = post(s, "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 90, \"temperature\": 0}");
            JsonNode e = error(r, 504, null, "request_timeout", "ran past its timeout (0.4s)");
            assertEquals("timeout_error", e.get("type").asText());
            Response st = post(s, "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 90, \"temperature\": 0, \"stream\": true}");
            List<String> data = sseData(st.body());
            assertEquals("[DONE]", data.getLast());
            assertTrue(data.get(data.size() - 2).contains("\"request_timeout\""), data.get(data.size() - 2));
            assertTrue(get(s, "/metrics").body().contains("steer4j_cancelled_generations_total{reason=\"timeout\"} 2.0"));
        }
    }

    @Test
    void clientDisconnectCancelsTheGeneration(@TempDir Path dir) throws Exception {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            slow(s, 15, null);
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 400, \"temperature\": 0, \"stream\": true}";
            HttpRequest req = HttpRequest.newBuilder(URI.create(s.url() + "v1/completions")).POST(HttpRequest.BodyPublishers.ofString(body)).build();
            var res = HTTP.send(req, java.net.http.HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, res.statusCode());
            var in = res.body();
            byte[] buf = new byte[256];
            assertTrue(in.read(buf) > 0, "the stream started");
            in.close(); // the client goes away after the first chunk
            waitFor(() -> get(s, "/metrics").body().contains("steer4j_cancelled_generations_total{reason=\"disconnect\"} 1.0"));
            waitFor(() -> get(s, "/health").json().get("active_requests").asInt() == 0);
            double generated = OpenAiApiTest.metric(get(s, "/metrics").body(), "steer4j_generated_tokens_total");
            assertTrue(generated < 200, "generation stopped early: " + generated + " of 400 tokens");
        }
    }

    @Test
    void clientDisconnectCancelsABlockingGeneration(@TempDir Path dir) throws Exception {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            CountDownLatch started = new CountDownLatch(1);
            slow(s, 15, started);
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 400, \"temperature\": 0}";
            URI uri = URI.create(s.url());
            try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
                byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
                String head = "POST /v1/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n";
                socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                socket.getOutputStream().write(bytes);
                socket.getOutputStream().flush();
                assertTrue(started.await(30, TimeUnit.SECONDS), "the generation started");
            } // the client closes without reading a byte
            waitFor(() -> get(s, "/metrics").body().contains("steer4j_cancelled_generations_total{reason=\"disconnect\"} 1.0"));
            waitFor(() -> get(s, "/health").json().get("active_requests").asInt() == 0);
            double generated = OpenAiApiTest.metric(get(s, "/metrics").body(), "steer4j_generated_tokens_total");
            assertTrue(generated < 200, "generation stopped early: " + generated + " of 400 tokens");
            // and the server keeps serving
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}").status());
        }
    }

    @Test
    void aRequestPipelinedBehindABlockingOneClosesTheConnectionAfterTheFirstResponse(@TempDir Path dir) throws Exception {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            CountDownLatch started = new CountDownLatch(1);
            slow(s, 10, started);
            byte[] body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 20, \"temperature\": 0}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            URI uri = URI.create(s.url());
            String request = "POST /v1/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n" + new String(body, java.nio.charset.StandardCharsets.UTF_8);
            try (java.net.Socket socket = new java.net.Socket(uri.getHost(), uri.getPort())) {
                socket.setSoTimeout(30_000);
                var out = socket.getOutputStream();
                out.write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                out.flush();
                assertTrue(started.await(30, TimeUnit.SECONDS));
                out.write(request.getBytes(java.nio.charset.StandardCharsets.UTF_8)); // pipelined while the first runs
                out.flush();
                String reply = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(reply.startsWith("HTTP/1.1 200"), reply);
                assertTrue(reply.toLowerCase(java.util.Locale.ROOT).contains("connection: close"), reply);
                assertEquals(1, reply.split("HTTP/1.1 ", -1).length - 1, "one response, then the connection closes: " + reply);
            }
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 2}").status());
        }
    }

    @Test
    void aWaitingKeepAliveClientIsNotTakenForGone(@TempDir Path dir) throws Exception {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            slow(s, 5, null);
            String body = "{\"prompt\": \"Once upon a time\", \"max_tokens\": 60, \"temperature\": 0}";
            // two blocking requests on one kept-alive connection, each long enough to be probed many times
            Response alone = post(s, "/v1/completions", body);
            assertEquals(200, alone.status(), alone.body());
            for (int i = 0; i < 2; i++) {
                Response r = post(s, "/v1/completions", body);
                assertEquals(200, r.status(), r.body());
                assertEquals(alone.json().get("choices").get(0).get("text").asText(), r.json().get("choices").get(0).get("text").asText());
                assertTrue(r.json().get("usage").get("completion_tokens").asInt() > 10, r.body());
            }
            assertFalse(get(s, "/metrics").body().contains("reason=\"disconnect\"} 1"), "no request was taken for disconnected");
        }
    }

    @Test
    void withClientSteeringDisabledOnlyPlainRequestsAndReadsPass(@TempDir Path dir) throws Exception {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir).withClientSteering(false))) {
            int dim = model.config().dim();
            String message = "not allowed: this server runs with --no-client-steering, so clients cannot change the model's activations";
            error(post(s, "/v1/completions", "{\"prompt\": \"x\", \"steering\": [{\"vector\": {\"2\": " + ones(dim) + "}, \"coefficient\": 4}]}"),
                    403, "steering", "client_steering_disabled", "'steering' " + message);
            error(post(s, "/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"x\"}], \"ablate\": [\"refusal\"]}"),
                    403, "ablate", "client_steering_disabled", "'ablate' " + message);
            JsonNode e = error(post(s, "/v1/vectors", Map.of("name", "happy", "vector", Map.of("2", new float[dim]))),
                    403, null, "client_steering_disabled", "writes to the vector library " + message);
            assertEquals("permission_error", e.get("type").asText());
            error(delete(s, "/v1/vectors/happy"),
                    403, null, "client_steering_disabled", "writes to the vector library " + message);
            assertEquals(200, get(s, "/v1/vectors").status());
            assertFalse(get(s, "/health").json().get("client_steering").asBoolean());
            Response plain = post(s, "/v1/completions", "{\"prompt\": \"Once upon a time\", \"max_tokens\": 4, \"temperature\": 0}");
            assertEquals(200, plain.status(), plain.body());
        }
    }

    static String zeros(int n) {
        return "[" + "0,".repeat(n - 1) + "0]";
    }

    static String ones(int n) {
        return "[" + "1,".repeat(n - 1) + "1]";
    }

    static List<String> list(String... s) {
        return new ArrayList<>(List.of(s));
    }
}
