package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** The server serves a model in Hugging Face layout (TinyStories-656K) as it serves a GGUF: the reference greedy text. */
class HfServeTest {
    @TempDir Path vectors;

    @Test
    void servesTheSafetensorsModel() {
        JsonNode c = Fixtures.json("reference/tinystories-656k.json").get("cases").get(0);
        try (Steer4jServer s = Steer4jServer.start(Path.of("src/test/resources/models/tinystories-656k"), ServeTestSupport.options(vectors))) {
            ServeTestSupport.Response r = ServeTestSupport.post(s, "/v1/completions",
                    Map.of("prompt", c.get("prompt").asText(), "max_tokens", 20, "temperature", 0));
            assertEquals(200, r.status(), r.body());
            assertEquals(c.get("greedy_text").asText(), r.json().path("choices").get(0).path("text").asText().strip());
            assertEquals("tinystories-656k", r.json().path("model").asText());
        }
    }
}
