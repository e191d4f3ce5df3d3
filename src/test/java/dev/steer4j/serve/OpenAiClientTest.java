package dev.steer4j.serve;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** The official OpenAI Java SDK, unchanged, against steer4j (with an API key, as a client would be configured). */
class OpenAiClientTest {
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() {
        model = model();
        server = Steer4jServer.start(model, options(vectors).withApiKey("sdk-key"));
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "v1").apiKey("sdk-key").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        model.close();
    }

    /** What the raw HTTP API gives for the same greedy request. */
    static String raw(String prompt, int n) {
        var r = send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.url() + "v1/completions"))
                .header("Authorization", "Bearer sdk-key")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"prompt\": \"" + prompt + "\", \"max_tokens\": " + n + ", \"temperature\": 0}")).build());
        assertEquals(200, r.status(), r.body());
        return r.json().get("choices").get(0).get("text").asText();
    }

    @Test
    void chatCompletion() {
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(server.modelId()).addUserMessage("Once upon a time").maxCompletionTokens(20).temperature(0.0).build());
        assertEquals(server.modelId(), c.model());
        assertEquals(1, c.choices().size());
        String text = c.choices().getFirst().message().content().orElseThrow();
        assertEquals(raw("Once upon a time", 20), text);
        assertEquals(ChatCompletion.Choice.FinishReason.LENGTH, c.choices().getFirst().finishReason());
        assertEquals(20, c.usage().orElseThrow().completionTokens());
        assertEquals(5, c.usage().orElseThrow().promptTokens());
    }

    @Test
    void streamedCompletion() {
        StringBuilder sb = new StringBuilder();
        int[] chunks = {0};
        try (StreamResponse<Completion> s = client.completions().createStreaming(CompletionCreateParams.builder()
                .model(server.modelId()).prompt("Once upon a time").maxTokens(25).temperature(0.0).build())) {
            s.stream().forEach(c -> {
                chunks[0]++;
                c.choices().forEach(ch -> sb.append(ch.text()));
            });
        }
        assertTrue(chunks[0] > 10, "streamed in pieces: " + chunks[0]);
        assertEquals(raw("Once upon a time", 25), sb.toString());
    }

    @Test
    void steeringFieldsPassThroughTheSdk() {
        // Unknown-to-OpenAI fields ride along as additional body properties; the response keeps its standard shape.
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder()
                .model(server.modelId()).addUserMessage("Once upon a time").maxCompletionTokens(10).temperature(0.0)
                .putAdditionalBodyProperty("steering", com.openai.core.JsonValue.from(java.util.List.of(
                        Map.of("vector", Map.of("2", java.util.Collections.nCopies(64, 0.5)), "coefficient", 4.0))))
                .build());
        assertNotEquals(raw("Once upon a time", 10), c.choices().getFirst().message().content().orElseThrow());
        assertTrue(c._additionalProperties().containsKey("steer4j"), "steer4j's own field is visible to SDK users");
    }
}
