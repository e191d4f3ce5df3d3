package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** The engine's commands, end to end, against the oracle files (tolerance 1e-3, as in the runtime tests). */
class EngineCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode CASE = json("reference/stories260K/forward.json").get("cases").get(0);

    @Test
    void greedyGenerationPrintsTheReferenceContinuation() {
        CliRunner.Result r = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "40", "--temperature", "0");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(CASE.get("greedy_text").asText() + "\n", r.out());
    }

    @Test
    void logitsJsonMatchesReference() throws Exception {
        CliRunner.Result r = CliRunner.run("logits", "--prompt", "Once upon a time", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode got = JSON.readTree(r.out());
        assertEquals(CASE.get("tokens"), got.get("tokens"));
        for (int i = 0; i < got.get("logits").size(); i++) {
            double d = maxAbsDiff(floats(CASE.get("logits").get(i)), floats(got.get("logits").get(i)), 0);
            assertTrue(d < 1e-3, "position " + i + ": " + d);
        }
    }

    @Test
    void activationsJsonMatchesReferenceResiduals() throws Exception {
        CliRunner.Result r = CliRunner.run("activations", "--prompt", "Once upon a time", "--hook", "blocks.2.hook_resid_post", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode got = JSON.readTree(r.out());
        assertEquals("blocks.2.hook_resid_post", got.get("hook").asText());
        JsonNode ref = CASE.get("resid_post").get("2");
        assertEquals(ref.size(), got.get("values").size());
        for (int i = 0; i < ref.size(); i++) {
            double d = maxAbsDiff(floats(ref.get(i)), floats(got.get("values").get(i)), 0);
            assertTrue(d < 1e-3, "position " + i + ": " + d);
        }
    }

    @Test
    void errorsAreOneLineAndNameTheProblem() {
        CliRunner.Result r = CliRunner.run("activations", "--prompt", "x", "--hook", "blocks.9.hook_resid_post");
        assertEquals(1, r.exitCode());
        assertEquals("steer4j: hook point 'blocks.9.hook_resid_post': layer 9 does not exist (the model has layers 0-4)\n", r.err());
        r = CliRunner.run("logits", "--model", "no/such/model.gguf", "--prompt", "x");
        assertEquals(1, r.exitCode());
        assertEquals("steer4j: no/such/model.gguf: file not found\n", r.err());
        r = CliRunner.run("activations", "--prompt", "x", "--hook", "resid_post");
        assertTrue(r.err().startsWith("steer4j: unknown hook point 'resid_post' (valid: hook_embed, "), r.err());
    }

    @Test
    void seededSamplingIsReproducible() {
        CliRunner.Result a = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "30", "--temperature", "1.0", "--seed", "11");
        CliRunner.Result b = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "30", "--temperature", "1.0", "--seed", "11");
        CliRunner.Result c = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "30", "--temperature", "1.0", "--seed", "12");
        assertEquals(a.out(), b.out());
        assertNotEquals(a.out(), c.out());
    }

    @Test
    void stopStringEndsGenerationBeforeIt() {
        CliRunner.Result r = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "40", "--temperature", "0", "--stop", "Lily");
        assertEquals(", there was a little girl named \n", r.out());
    }
}
