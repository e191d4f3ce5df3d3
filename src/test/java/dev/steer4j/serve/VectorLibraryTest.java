package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.extract.Extractor;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** GET/POST/DELETE /v1/vectors: uploads, extraction from pairs, use, deletion, persistence across restarts, atomic writes. */
class VectorLibraryTest {
    static Model model;

    @BeforeAll
    static void load() {
        model = model();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static Response upload(Steer4jServer s, String query, byte[] gguf) {
        return send(HttpRequest.newBuilder(URI.create(s.url() + "v1/vectors?" + query))
                .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(gguf)).build());
    }

    static String steered(Steer4jServer s, String vector, double coef) {
        Map<String, Object> b = new LinkedHashMap<>(Map.of("prompt", "Once upon a time", "max_tokens", 30, "temperature", 0));
        if (vector != null) b.put("steering", List.of(Map.of("vector", vector, "coefficient", coef)));
        Response r = post(s, "/v1/completions", b);
        assertEquals(200, r.status(), r.body());
        return r.json().get("choices").get(0).get("text").asText();
    }

    static List<String> names(Steer4jServer s) {
        Response r = get(s, "/v1/vectors");
        assertEquals(200, r.status(), r.body());
        return r.json().get("data").findValuesAsText("id");
    }

    static List<String> files(Path dir) throws IOException {
        try (Stream<Path> st = Files.list(dir)) {
            return st.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void uploadListUseDeleteAndSurviveRestart(@TempDir Path dir) throws Exception {
        byte[] gguf = Files.readAllBytes(Fixtures.resource("reference/stories260K/cvec-1.gguf"));
        String plain, steered;
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            assertEquals(List.of(), names(s));
            Response up = upload(s, "name=odd", gguf);
            assertEquals(201, up.status(), up.body());
            assertEquals("odd", up.json().get("id").asText());
            assertEquals(List.of(1, 2, 3, 4), SteeringConcurrencyTest.toInts(up.json().get("layers")));
            assertEquals(64, up.json().get("n_embd").asInt());
            assertEquals(List.of("odd"), names(s));
            assertEquals(List.of("odd.gguf"), files(dir));
            JsonNode one = get(s, "/v1/vectors/odd").json();
            assertEquals(4, one.get("norms").size());

            plain = steered(s, null, 0);
            steered = steered(s, "odd", 2.5);
            assertNotEquals(plain, steered);
            // Exactly what the engine does with the same control vector.
            SteeringVector v = ControlVectorFile.read(Fixtures.resource("reference/stories260K/cvec-1.gguf"));
            var seq = new dev.steer4j.runtime.SequenceState(model);
            try (var a = dev.steer4j.steer.Steering.none().add(v, 2.5).applyTo(seq)) {
                var g = new dev.steer4j.runtime.Generator(model).generate(seq, model.tokenizer().encode("Once upon a time"),
                        dev.steer4j.runtime.GenerationConfig.greedy(30), null);
                assertEquals(g.text(), steered);
            }

            assertEquals(409, upload(s, "name=odd", gguf).status(), "no silent overwrite");
            assertEquals(201, upload(s, "name=odd&overwrite=true", gguf).status());

            assertEquals(200, delete(s, "/v1/vectors/odd").status());
            assertEquals(List.of(), names(s));
            Response gone = post(s, "/v1/completions", Map.of("prompt", "x", "steering", List.of(Map.of("vector", "odd", "coefficient", 1))));
            assertEquals(404, gone.status(), gone.body());
            assertEquals(201, upload(s, "name=odd", gguf).status());
        }
        // A new server on the same directory still has the vector.
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            assertEquals(List.of("odd"), names(s));
            assertEquals(steered, steered(s, "odd", 2.5));
        }
    }

    @Test
    void aFailedWriteLeavesNothingBehind(@TempDir Path dir) throws Exception {
        byte[] gguf = Files.readAllBytes(Fixtures.resource("reference/stories260K/cvec-1.gguf"));
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            // Cut off halfway: not a readable GGUF.
            Response half = upload(s, "name=half", Arrays.copyOf(gguf, gguf.length / 2));
            assertEquals(400, half.status(), half.body());
            assertEquals("invalid_vector_file", half.json().get("error").get("code").asText());
            assertFalse(half.body().contains(dir.toString()), "no server paths in answers: " + half.body());
            assertEquals(List.of(), files(dir), "no half-written vector and no temporary file");
            // A readable GGUF that does not fit the model (a 2-layer, 128-wide one) is refused the same way.
            Path wrong = dir.resolveSibling("wrong.gguf");
            ControlVectorFile.write(wrong, SteeringVector.single(1, new float[128], null));
            Response w = upload(s, "name=wrong", Files.readAllBytes(wrong));
            assertEquals(400, w.status());
            assertTrue(w.json().get("error").get("message").asText().contains("n_embd 128"), w.body());
            assertEquals(List.of(), files(dir));
            // Replacing a good vector with a broken upload keeps the good one.
            assertEquals(201, upload(s, "name=good", gguf).status());
            assertEquals(400, upload(s, "name=good&overwrite=true", new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0}).status());
            assertEquals(List.of("good.gguf"), files(dir));
            assertEquals(List.of(1, 2, 3, 4), SteeringConcurrencyTest.toInts(get(s, "/v1/vectors/good").json().get("layers")));
        }
        // A temporary file left by a crash is cleaned up at start-up and never listed.
        Files.write(dir.resolve(".tmp-crash-123.gguf"), new byte[]{1, 2, 3});
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            assertEquals(List.of("good"), names(s));
            assertEquals(List.of("good.gguf"), files(dir));
        }
    }

    @Test
    void namesAreValidated(@TempDir Path dir) throws Exception {
        byte[] gguf = Files.readAllBytes(Fixtures.resource("reference/stories260K/cvec-1.gguf"));
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            for (String bad : List.of("..%2Fescape", "%2Fetc%2Fpasswd", "a%2Fb", ".hidden", "..", "x%00y", "name%20with%20space", "a".repeat(65))) {
                Response r = upload(s, "name=" + bad, gguf);
                assertEquals(400, r.status(), bad + ": " + r.body());
                assertEquals("invalid_vector_name", r.json().get("error").get("code").asText(), r.body());
            }
            Response noName = upload(s, "", gguf);
            assertEquals(400, noName.status());
            assertEquals("name", noName.json().get("error").get("param").asText());
            assertEquals(List.of(), files(dir));
            assertFalse(Files.exists(dir.getParent().resolve("escape.gguf")));
        }
    }

    @Test
    void jsonUploadsInlineOrExtractedFromPairs(@TempDir Path dir) {
        List<String> pos = List.of("The girl was very happy and smiled.", "He laughed with joy all day.", "They had a happy, fun day at the park.");
        List<String> neg = List.of("The girl was very sad and cried.", "He wept with sorrow all day.", "They had a sad, bad day at the park.");
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            List<Map<String, String>> pairs = new java.util.ArrayList<>();
            for (int i = 0; i < pos.size(); i++) pairs.add(Map.of("positive", pos.get(i), "negative", neg.get(i)));
            Response r = post(s, "/v1/vectors", Map.of("name", "happy", "pairs", pairs, "layers", List.of(1, 4)));
            assertEquals(201, r.status(), r.body());
            assertEquals("mean", r.json().get("method").asText());
            // The stored vector is the extraction package's mean difference over the same pairs.
            SteeringVector expected = Extractor.meanDifference(model, pos, neg, 1, 2, 3, 4);
            SteeringVector stored = s.vectors().get("happy");
            for (int l = 1; l <= 4; l++) assertArrayEquals(expected.get(l), stored.get(l), 1e-6f, "layer " + l);
            assertNotEquals(steered(s, null, 0), steered(s, "happy", 4.0));

            Map<String, Object> inline = Map.of("name", "axis", "directions", Map.of("2", Fixtures.floats(ServeTestSupport.JSON.valueToTree(unit(64, 5)))));
            Response ri = post(s, "/v1/vectors", inline);
            assertEquals(201, ri.status(), ri.body());
            assertEquals(List.of(2), SteeringConcurrencyTest.toInts(ri.json().get("layers")));
            assertEquals(List.of("axis", "happy"), names(s));

            Response bad = post(s, "/v1/vectors", Map.of("name", "x", "pairs", "nope"));
            assertEquals(400, bad.status());
            assertEquals("pairs", bad.json().get("error").get("param").asText());
            Response none = post(s, "/v1/vectors", Map.of("name", "x"));
            assertEquals(400, none.status());
            assertTrue(none.json().get("error").get("message").asText().contains("'directions'"), none.body());
        }
    }

    static float[] unit(int n, int axis) {
        float[] f = new float[n];
        f[axis] = 1;
        return f;
    }
}
