package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Per-request steering over HTTP against llama.cpp's steered greedy tokens, and concurrent differently steered
 * requests batched together that each get exactly the text they get alone.
 */
class SteeringConcurrencyTest {
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;
    static JsonNode cases;

    @BeforeAll
    static void start() throws Exception {
        model = model();
        server = Steer4jServer.start(model, options(vectors).withMaxBatch(8));
        cases = Fixtures.json("reference/stories260K/steer_add.json").get("cases");
        for (int i = 0; i < 4; i++) {
            byte[] gguf = Files.readAllBytes(Fixtures.resource("reference/stories260K/cvec-" + i + ".gguf"));
            Response r = send(HttpRequest.newBuilder(URI.create(server.url() + "v1/vectors?name=cvec" + i))
                    .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(gguf)).build());
            assertEquals(201, r.status(), r.body());
        }
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    /** The request body of oracle case i: its vector, scale and layer range, greedy, 40 tokens. */
    static Map<String, Object> caseBody(int i) {
        JsonNode c = cases.get(i);
        Map<String, Object> b = new LinkedHashMap<>();
        b.put("prompt", c.get("prompt").asText());
        b.put("max_tokens", 40);
        b.put("temperature", 0);
        b.put("steering", List.of(Map.of("vector", "cvec" + i, "coefficient", c.get("scale").asDouble(),
                "layers", List.of(c.get("layer_start").asInt(), c.get("layer_end").asInt()))));
        return b;
    }

    static String oracleText(int i) {
        return text(model, Fixtures.ints(cases.get(i).get("greedy")));
    }

    static String complete(Map<String, Object> body) {
        Response r = post(server, "/v1/completions", body);
        assertEquals(200, r.status(), r.body());
        return r.json().get("choices").get(0).get("text").asText();
    }

    @Test
    void steeredGreedyMatchesLlamaCppControlVectors() {
        for (int i = 0; i < 4; i++) {
            JsonNode c = cases.get(i);
            String got = complete(caseBody(i));
            // A greedy run ends early only at EOS; the oracle lists 40 tokens, so the texts must match in full.
            assertEquals(oracleText(i), got, "case " + i + " (" + c.get("vector_file").asText() + " x " + c.get("scale").asDouble() + ")");
        }
        String plain = complete(Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 0));
        assertNotEquals(plain, oracleText(1), "the steering of case 1 changes the text");
    }

    @Test
    void concurrentDifferentlySteeredRequestsDoNotLeak() throws Exception {
        List<Map<String, Object>> bodies = new ArrayList<>();
        bodies.add(Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 0));
        for (int i = 0; i < 4; i++) bodies.add(caseBody(i));
        Map<String, Object> inline = new LinkedHashMap<>(caseBody(1));
        inline.put("steering", List.of(Map.of("vector", Map.of("3", direction("cvec1", 3)), "coefficient", -3.0)));
        bodies.add(inline);
        Map<String, Object> ablated = new LinkedHashMap<>(bodies.getFirst());
        ablated.put("ablate", List.of(Map.of("vector", "cvec0", "layer", 2)));
        bodies.add(ablated);

        List<String> alone = new ArrayList<>();
        for (Map<String, Object> b : bodies) alone.add(complete(b));
        assertEquals(bodies.size(), alone.stream().distinct().count(), "every request's steering gives a different text: " + alone);

        double batchedBefore = multiSequenceSteps();
        for (int round = 0; round < 3; round++) {
            List<CompletableFuture<String>> fs = new ArrayList<>();
            for (Map<String, Object> b : bodies) fs.add(CompletableFuture.supplyAsync(() -> complete(b)));
            for (int k = 0; k < bodies.size(); k++) assertEquals(alone.get(k), fs.get(k).get(), "request " + k + " in round " + round);
        }
        assertTrue(multiSequenceSteps() > batchedBefore, "the concurrent requests shared forward passes (continuous batching)");
    }

    /** Forward passes that carried two or more sequences so far (from the batch-size histogram). */
    static double multiSequenceSteps() {
        String m = get(server, "/metrics").body();
        return OpenAiApiTest.metric(m, "steer4j_batch_sequences_count") - OpenAiApiTest.metric(m, "steer4j_batch_sequences_bucket{le=\"1.0\"}");
    }

    static List<Double> direction(String name, int layer) {
        float[] d = server.vectors().get(name).get(layer);
        List<Double> out = new ArrayList<>();
        for (float f : d) out.add((double) f);
        return out;
    }

    @Test
    void positionsAndConditionFieldsWork() {
        Map<String, Object> all = caseBody(1);
        Map<String, Object> generatedOnly = new LinkedHashMap<>(all);
        generatedOnly.put("steering", List.of(Map.of("vector", "cvec1", "coefficient", 2.5, "layers", List.of(2, 3), "positions", "generated")));
        String a = complete(all), g = complete(generatedOnly);
        assertNotEquals(a, g, "steering only generated positions leaves the prompt's cache unsteered");

        // CAST: a condition that always holds (cosine above -1) steers like no condition; one that never holds does not steer.
        Map<String, Object> always = new LinkedHashMap<>(all);
        always.put("condition", Map.of("vector", "cvec1", "layer", 2, "threshold", -1.0));
        Map<String, Object> never = new LinkedHashMap<>(all);
        never.put("condition", Map.of("vector", "cvec1", "layer", 2, "threshold", 1.0));
        Response ra = post(server, "/v1/completions", always), rn = post(server, "/v1/completions", never);
        String plain = complete(Map.of("prompt", "Once upon a time", "max_tokens", 40, "temperature", 0));
        String neverText = rn.json().get("choices").get(0).get("text").asText();
        assertEquals(plain, neverText);
        JsonNode cond = rn.json().get("steer4j").get("condition");
        assertTrue(cond.get("decided").asBoolean());
        assertFalse(cond.get("active").asBoolean());
        double score = cond.get("scores").get(0).get("score").asDouble();
        assertTrue(score > -1 && score < 1, "a cosine: " + score);
        assertTrue(ra.json().get("steer4j").get("condition").get("active").asBoolean());
        assertNotEquals(plain, ra.json().get("choices").get(0).get("text").asText());
        assertEquals("cvec1", ra.json().get("steer4j").get("steering").get(0).get("vector").asText());
        assertEquals(List.of(2, 3), toInts(ra.json().get("steer4j").get("steering").get(0).get("layers")));
    }

    @Test
    void projectionReportsEveryTokenInTheSamePass() {
        Map<String, Object> b = new LinkedHashMap<>(Map.of("prompt", "Once upon a time", "max_tokens", 10, "temperature", 0));
        b.put("projection", Map.of("vector", "cvec0", "layer", 2));
        JsonNode p = post(server, "/v1/completions", b).json().get("steer4j").get("projection");
        assertEquals(2, p.get("layer").asInt());
        JsonNode toks = p.get("tokens");
        // 4 prompt tokens after BOS, then the 9 generated tokens that were fed back (the 10th is sampled, never run).
        assertEquals(13, toks.size(), p.toString());
        assertFalse(toks.get(3).get("generated").asBoolean());
        assertTrue(toks.get(4).get("generated").asBoolean());
        assertEquals(" time", toks.get(3).get("text").asText());
        // Same numbers with steering along that direction shift by coefficient * |direction| at generated rows.
        Map<String, Object> s = new LinkedHashMap<>(b);
        s.put("steering", List.of(Map.of("vector", "cvec0", "coefficient", 1.0, "layers", List.of(2, 2), "positions", "generated")));
        JsonNode ps = post(server, "/v1/completions", s).json().get("steer4j").get("projection").get("tokens");
        double norm = dev.steer4j.steer.SteeringVector.norm(server.vectors().get("cvec0").get(2));
        for (int k = 0; k < 4; k++) assertEquals(toks.get(k).get("value").asDouble(), ps.get(k).get("value").asDouble(), 1e-3, "prompt rows untouched");
        // The first generated row is the same token in both runs; its projection moves by exactly |v| (4-decimal rounding).
        assertEquals(toks.get(4).get("value").asDouble() + norm, ps.get(4).get("value").asDouble(), 2e-3);
    }

    static List<Integer> toInts(JsonNode a) {
        List<Integer> out = new ArrayList<>();
        a.forEach(x -> out.add(x.asInt()));
        return out;
    }

    static int[] ints(List<Integer> l) {
        return l.stream().mapToInt(Integer::intValue).toArray();
    }

    static String show(int[] a) {
        return Arrays.toString(a);
    }
}
