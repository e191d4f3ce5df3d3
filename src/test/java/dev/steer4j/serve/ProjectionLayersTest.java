package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.read.PromptFile;
import dev.steer4j.steer.extract.Extractor;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** {@code projection.layers}: the per-token projection at several layers in one request (the playground's token-by-layer heatmap). */
class ProjectionLayersTest {
    static final String BODY = "{\"prompt\": \"Tom was sad because\", \"max_tokens\": 8, \"temperature\": 0, \"projection\": %s}";

    @Test
    void everyLayerRowEqualsTheOneLayerProjection(@TempDir Path tmp) throws Exception {
        List<String> sad = PromptFile.readAll(Fixtures.resource("guard/sad.txt")), happy = PromptFile.readAll(Fixtures.resource("guard/happy.txt"));
        try (Model model = model(); Steer4jServer server = Steer4jServer.start(model, options(tmp))) {
            server.vectors().put("happy", Extractor.meanDifference(model, happy, sad, 1, 2, 3, 4), false);
            Response r = post(server, "/v1/completions", BODY.formatted("{\"vector\": \"happy\", \"layers\": \"2-4\"}"));
            assertEquals(200, r.status(), r.body());
            JsonNode p = r.json().at("/steer4j/projection");
            JsonNode rows = p.get("layers");
            assertEquals(3, rows.size(), p.toString());
            assertEquals(2, p.get("layer").asInt(), "tokens carry the first layer's values");
            int n = p.get("tokens").size();
            assertTrue(n > 8, "prompt and generated tokens: " + n);
            for (int i = 0; i < 3; i++) {
                int layer = 2 + i;
                assertEquals(layer, rows.get(i).get("layer").asInt());
                JsonNode one = post(server, "/v1/completions", BODY.formatted("{\"vector\": \"happy\", \"layer\": " + layer + "}")).json().at("/steer4j/projection");
                assertFalse(one.has("layers"), "one layer keeps the one-layer shape");
                assertEquals(n, rows.get(i).get("values").size());
                for (int t = 0; t < n; t++)
                    assertEquals(one.at("/tokens/" + t + "/value").asDouble(), rows.get(i).get("values").get(t).asDouble(), 1e-4,
                            "layer " + layer + ", token " + t + " equals the one-layer request's");
            }
            for (int t = 0; t < n; t++) assertEquals(p.at("/tokens/" + t + "/value").asDouble(), rows.get(0).get("values").get(t).asDouble());
            assertEquals(4, post(server, "/v1/completions", BODY.formatted("{\"vector\": \"happy\", \"layers\": \"all\"}")).json()
                    .at("/steer4j/projection/layers").size(), "all: every layer of the vector");
        }
    }

    @Test
    void badLayerListsAreRefusedWithTheReason(@TempDir Path tmp) throws Exception {
        List<String> sad = PromptFile.readAll(Fixtures.resource("guard/sad.txt")), happy = PromptFile.readAll(Fixtures.resource("guard/happy.txt"));
        try (Model model = model(); Steer4jServer server = Steer4jServer.start(model, options(tmp))) {
            server.vectors().put("happy", Extractor.meanDifference(model, happy, sad, 1, 2, 3, 4), false);
            expect(server, "{\"vector\": \"happy\", \"layers\": \"4-2\"}", "'projection.layers': '4-2': the range '4-2' runs backwards");
            expect(server, "{\"vector\": \"happy\", \"layers\": \"0\"}", "vector 'happy' has no direction in layers 0 (it has layers [1, 2, 3, 4])");
            expect(server, "{\"vector\": \"happy\", \"layer\": 2, \"layers\": \"1-4\"}", "'projection.layers' goes with 'vector' alone, not with 'layer' or 'detector'");
        }
    }

    static void expect(Steer4jServer server, String projection, String message) {
        Response r = post(server, "/v1/completions", BODY.formatted(projection));
        assertEquals(400, r.status(), r.body());
        assertEquals("projection.layers", r.json().at("/error/param").asText());
        assertEquals(message, r.json().at("/error/message").asText());
    }
}
