package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** A library vector of the wrong width is listed with its width and refused with a 4xx that says why (issue 13). */
class LibraryMismatchTest {
    @Test
    void aVectorForAnotherModelIsListedAndRefusedClearly(@TempDir Path dir) {
        ControlVectorFile.write(dir.resolve("wide.gguf"), SteeringVector.single(2, new float[128], null));
        try (Model m = model(); Steer4jServer s = Steer4jServer.start(m, options(dir))) {
            JsonNode list = get(s, "/v1/vectors").json().get("data");
            assertEquals(1, list.size(), list.toString());
            assertEquals("wide", list.get(0).get("id").asText());
            assertEquals(128, list.get(0).get("n_embd").asInt());
            String why = "library vector \"wide\" cannot be used with this model: vector file wide.gguf has n_embd 128 but model stories260K.gguf has 64";
            assertEquals(why, list.get(0).get("problem").asText());
            Response r = post(s, "/v1/completions", Map.of("prompt", "x", "steering", List.of(Map.of("vector", "wide", "coefficient", 1))));
            assertEquals(422, r.status(), r.body());
            assertEquals(why, r.json().get("error").get("message").asText());
            assertEquals("vector_incompatible", r.json().get("error").get("code").asText());
            assertFalse(r.body().contains("Exception"), r.body());
            assertEquals(422, get(s, "/v1/vectors/wide").status());
            assertEquals(200, get(s, "/health").status(), "the server keeps serving");
        }
    }

    @Test
    void theDefaultLibraryIsPerModel() {
        assertEquals(ServeOptions.defaultVectorsDir(), ServeOptions.defaults().vectorsDir());
        assertEquals(ServeOptions.defaultVectorsDir().resolve("stories260K"), Steer4jServer.libraryDir(ServeOptions.defaults(), "stories260K"));
        assertEquals(Path.of("/tmp/v"), Steer4jServer.libraryDir(ServeOptions.defaults().withVectorsDir(Path.of("/tmp/v")), "stories260K"));
    }
}
