package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.steer4j.model.Model;
import dev.steer4j.steer.ControlVectorFile;
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

/**
 * The official OpenAI Java SDK, unchanged, uses steer4j's logprobs, n and logit_bias, and picks a steered variant
 * published with {@code serve --alias} by its model name alone.
 */
class OpenAiSdkParityTest {
    static final String ALIAS = "stories260K+happy";
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        Files.copy(Fixtures.resource("reference/stories260K/cvec-1.gguf"), vectors.resolve("happy.gguf"));
        model = model();
        server = Steer4jServer.start(model, options(vectors).withAliases(Map.of(ALIAS, "happy:2.5:2-3")));
        client = OpenAIOkHttpClient.builder().baseUrl(server.url() + "v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
        model.close();
    }

    static ChatCompletionCreateParams.Builder chat(String model, int tokens) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Once upon a time").maxCompletionTokens(tokens).temperature(0.0);
    }

    static String text(ChatCompletion c) {
        return c.choices().getFirst().message().content().orElseThrow();
    }

    static List<ChatCompletionTokenLogprob> logprobs(ChatCompletion c) {
        return c.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
    }

    @Test
    void chatLogprobsAreTheReferenceLogSoftmax() {
        ChatCompletion c = client.chat().completions().create(chat(server.modelId(), 12).logprobs(true).topLogprobs(3L).build());
        List<ChatCompletionTokenLogprob> lp = logprobs(c);
        assertEquals(12, lp.size());
        StringBuilder joined = new StringBuilder();
        for (ChatCompletionTokenLogprob t : lp) {
            joined.append(t.token());
            assertEquals(3, t.topLogprobs().size());
            assertEquals(t.token(), t.topLogprobs().getFirst().token(), "greedy takes the most likely token");
            assertEquals(t.logprob(), t.topLogprobs().getFirst().logprob(), 1e-12);
            assertTrue(t.topLogprobs().get(1).logprob() <= t.logprob() && t.logprob() <= 0);
            assertEquals(t.token(), new String(toBytes(t.bytes().orElseThrow()), java.nio.charset.StandardCharsets.UTF_8));
        }
        assertEquals(text(c), joined.toString(), "the tokens spell the text");
        // The first token's log-probability is the log-softmax of llama.cpp's logits at the last prompt token.
        JsonNode ref = Fixtures.json("reference/stories260K/forward.json").get("cases").get(0);
        float[] last = Fixtures.floats(ref.get("logits").get(ref.get("logits").size() - 1));
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (float x : last) max = Math.max(max, x);
        for (float x : last) sum += Math.exp(x - max);
        assertEquals(-Math.log(sum), lp.getFirst().logprob(), 1e-3);
    }

    static byte[] toBytes(List<Long> l) {
        byte[] b = new byte[l.size()];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (long) l.get(i);
        return b;
    }

    @Test
    void completionLogprobsHaveTheLegacyShape() {
        Completion c = client.completions().create(CompletionCreateParams.builder().model(server.modelId())
                .prompt("Once upon a time").maxTokens(6).temperature(0.0).logprobs(2L).build());
        var lp = c.choices().getFirst().logprobs().orElseThrow();
        List<String> tokens = lp.tokens().orElseThrow();
        assertEquals(6, tokens.size());
        assertEquals(c.choices().getFirst().text(), String.join("", tokens));
        assertEquals(6, lp.tokenLogprobs().orElseThrow().size());
        assertEquals(2, lp.topLogprobs().orElseThrow().getFirst()._additionalProperties().size());
        List<Long> offsets = lp.textOffset().orElseThrow();
        assertEquals(0L, offsets.getFirst());
        assertEquals((long) tokens.getFirst().length(), offsets.get(1));
    }

    @Test
    void nChoicesAreDistinctAndReproducible() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model(server.modelId()).addUserMessage("Once upon a time")
                .maxCompletionTokens(16).temperature(1.0).seed(5L).n(3L).build();
        ChatCompletion a = client.chat().completions().create(p), b = client.chat().completions().create(p);
        assertEquals(3, a.choices().size());
        for (int i = 0; i < 3; i++) assertEquals(i, a.choices().get(i).index());
        List<String> ta = a.choices().stream().map(ch -> ch.message().content().orElseThrow()).toList();
        List<String> tb = b.choices().stream().map(ch -> ch.message().content().orElseThrow()).toList();
        assertEquals(ta, tb, "the same seed gives the same choices");
        assertTrue(new java.util.HashSet<>(ta).size() > 1, "the choices differ: " + ta);
        assertEquals(48, a.usage().orElseThrow().completionTokens());
    }

    @Test
    void logitBiasForcesAndBansTokens() {
        // 403 is ' Once' and 432 is ',' (the greedy first token after "Once upon a time")
        ChatCompletion forced = client.chat().completions().create(chat(server.modelId(), 1)
                .logitBias(ChatCompletionCreateParams.LogitBias.builder().putAdditionalProperty("403", JsonValue.from(100)).build()).build());
        assertEquals(" Once", text(forced));
        ChatCompletion banned = client.chat().completions().create(chat(server.modelId(), 20)
                .logitBias(ChatCompletionCreateParams.LogitBias.builder().putAdditionalProperty("432", JsonValue.from(-100)).build()).build());
        assertFalse(text(banned).contains(","), text(banned));
    }

    @Test
    void aSteeredAliasIsChosenByItsNameAlone() {
        List<String> ids = client.models().list().data().stream().map(com.openai.models.models.Model::id).toList();
        assertEquals(List.of(server.modelId(), ALIAS), ids);
        ChatCompletion steered = client.chat().completions().create(chat(ALIAS, 20).logprobs(true).build());
        ChatCompletion plain = client.chat().completions().create(chat(server.modelId(), 20).logprobs(true).build());
        assertEquals(ALIAS, steered.model(), "the response names the model asked for");
        // the same as the base model with the alias's steering sent explicitly
        Response explicit = post(server, "/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content", "Once upon a time")),
                "max_tokens", 20, "temperature", 0, "steering", List.of(Map.of("vector", "happy", "coefficient", 2.5, "layers", List.of(2, 3)))));
        assertEquals(200, explicit.status(), explicit.body());
        assertEquals(explicit.json().get("choices").get(0).get("message").get("content").asText(), text(steered));
        assertNotEquals(text(plain), text(steered));
        // steered log-probabilities are the steered model's
        assertNotEquals(logprobs(plain).getFirst().logprob(), logprobs(steered).getFirst().logprob());
        JsonNode m = get(server, "/v1/models/" + java.net.URLEncoder.encode(ALIAS, java.nio.charset.StandardCharsets.UTF_8)).json();
        assertEquals(server.modelId(), m.get("steer4j").get("base_model").asText());
        assertEquals("happy", m.get("steer4j").get("steering").get(0).get("vector").asText());
    }

    @Test
    void aWrongAliasFailsAtStart() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Steer4jServer.start(model, options(vectors).withAliases(Map.of("x", "nosuch:1"))));
        assertTrue(e.getMessage().startsWith("--alias x=nosuch:1: "), e.getMessage());
        assertTrue(e.getMessage().contains("nosuch"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Steer4jServer.start(model, options(vectors).withSteer(List.of("happy:x"))));
        assertEquals("--steer 'happy:x': COEF 'x' is not a number (expected NAME:COEF[:LAYERS], e.g. happy:1.5, happy:1.5:2-4 or happy:1.5:-2--1)", e.getMessage());
    }
}
