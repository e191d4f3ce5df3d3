package dev.steer4j.steer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.cli.CliRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** The steering options and {@code compare} through {@code Main.run}, against the oracle files (logits within 1e-3, as in SteeringOracleTest). */
class SteeringCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNode CASES = json("reference/stories260K/steer_add.json").get("cases");
    @TempDir
    Path tmp;

    static String cvec(int i) { return resource("reference/stories260K/cvec-" + i + ".gguf").toString(); }

    @Test
    void logitsJsonWithAVectorMatchesEverySteerAddCase() throws Exception {
        for (JsonNode c : CASES) {
            String file = resource("reference/stories260K/" + c.get("vector_file").asText()).toString();
            CliRunner.Result r = CliRunner.run("logits", "--prompt", c.get("prompt").asText(), "--json",
                    "--vector", file + ":" + c.get("scale").asText(),
                    "--layers", c.get("layer_start").asInt() + "-" + c.get("layer_end").asInt());
            assertEquals(0, r.exitCode(), r.err());
            JsonNode got = JSON.readTree(r.out());
            assertEquals(c.get("tokens"), got.get("tokens"));
            for (int i = 0; i < c.get("tokens").size(); i++) {
                double d = maxAbsDiff(floats(c.get("logits").get(i)), floats(got.get("logits").get(i)), 0);
                assertTrue(d < 1e-3, file + " position " + i + ": " + d);
            }
        }
    }

    @Test
    void generateWithAVectorPrintsTheLlamaCppContinuation() {
        JsonNode c = CASES.get(1);
        CliRunner.Result r = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "40", "--temperature", "0",
                "--vector", cvec(1) + ":2.5", "--layers", "2-3");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(c.get("greedy_text").asText() + "\n", r.out());
    }

    @Test
    void activationsJsonWithAblationHasNoComponentAlongTheDirection() throws Exception {
        JsonNode c = json("reference/stories260K/ablate.json").get("cases").get(0);
        float[] dir = floats(c.get("direction"));
        Path f = tmp.resolve("refusal.json");
        VectorJson.write(f, SteeringVector.single(3, dir, null));
        float[] u = Steering.unit(dir, "d");
        for (int layer = 0; layer < 5; layer++) {
            CliRunner.Result r = CliRunner.run("activations", "--prompt", c.get("prompt").asText(), "--json",
                    "--hook", "blocks." + layer + ".hook_resid_post", "--ablate", f.toString());
            assertEquals(0, r.exitCode(), r.err());
            for (JsonNode row : JSON.readTree(r.out()).get("values")) {
                float[] x = floats(row);
                double p = 0;
                for (int i = 0; i < x.length; i++) p += (double) x[i] * u[i];
                assertTrue(Math.abs(p) < 1e-4, "layer " + layer + ": projection " + p);
            }
        }
        CliRunner.Result r = CliRunner.run("logits", "--prompt", c.get("prompt").asText(), "--json", "--ablate", f + ":3");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode got = JSON.readTree(r.out()).get("logits");
        for (int i = 0; i < got.size(); i++) assertTrue(maxAbsDiff(floats(c.get("logits").get(i)), floats(got.get(i)), 0) < 1e-3);
    }

    @Test
    void compareShowsUnsteeredAndSteeredContinuations() throws Exception {
        CliRunner.Result r = CliRunner.run("compare", "--prompt", "Once upon a time", "--vector", cvec(1),
                "--coefficients", "2.5", "--layers", "2-3", "--max-tokens", "40", "--temp", "0", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode runs = JSON.readTree(r.out()).get("runs");
        assertEquals(2, runs.size());
        assertEquals(0.0, runs.get(0).get("coefficient").asDouble());
        assertEquals(json("reference/stories260K/forward.json").get("cases").get(0).get("greedy_text").asText(), runs.get(0).get("text").asText());
        assertEquals(2.5, runs.get(1).get("coefficient").asDouble());
        assertEquals(CASES.get(1).get("greedy_text").asText(), runs.get(1).get("text").asText());

        CliRunner.Result t = CliRunner.run("compare", "--prompt", "Once upon a time", "--vector", cvec(1),
                "--coefficients", "-1,1", "--max-tokens", "12", "--temp", "0", "--width", "90");
        assertEquals(0, t.exitCode(), t.err());
        String[] lines = t.out().split("\n");
        assertEquals("prompt: Once upon a time", lines[0]);
        assertTrue(lines[3].matches("-1 +│ 0 \\(unsteered\\) +│ \\+1"), lines[3]);
        assertTrue(lines[4].contains("┼"), lines[4]);
        assertTrue(lines[5].contains(", there was a little girl"), t.out());
        for (String l : lines) assertTrue(l.codePointCount(0, l.length()) <= 90, "line wider than --width: " + l);
    }

    @Test
    void conditionsGateTheVectorPerPromptAndReportTheDecision() throws Exception {
        // condition direction: the resid_post of layer 1 for a happy prompt (its own cosine is then high)
        String happy = "The little girl was very happy and she smiled";
        String dark = "The big dog ran into the dark forest at night";
        JsonNode acts = JSON.readTree(CliRunner.run("activations", "--prompt", happy, "--json", "--hook", "blocks.1.hook_resid_post").out()).get("values");
        JsonNode other = JSON.readTree(CliRunner.run("activations", "--prompt", dark, "--json", "--hook", "blocks.1.hook_resid_post").out()).get("values");
        float[] d = new float[64];
        for (int r = 1; r < acts.size(); r++) for (int i = 0; i < 64; i++) d[i] += (float) acts.get(r).get(i).asDouble() / (acts.size() - 1);
        for (int r = 1; r < other.size(); r++) for (int i = 0; i < 64; i++) d[i] -= (float) other.get(r).get(i).asDouble() / (other.size() - 1);
        Path cond = tmp.resolve("happy.json");
        VectorJson.write(cond, SteeringVector.single(1, d, null));
        String[] steer = {"--vector", cvec(1) + ":2.5", "--layers", "2-4", "--condition", cond + ":1:0.0"};

        CliRunner.Result on = CliRunner.run(concat(new String[]{"logits", "--prompt", happy, "--json"}, steer));
        CliRunner.Result off = CliRunner.run(concat(new String[]{"logits", "--prompt", dark, "--json"}, steer));
        assertEquals(0, on.exitCode(), on.err());
        assertTrue(on.err().matches("(?s)condition happy.json at layer 1: cosine 0\\.\\d+ > 0\\.0 -> met\nsteering on \\(rule: and\\)\n"), on.err());
        assertTrue(off.err().matches("(?s)condition happy.json at layer 1: cosine -0\\.\\d+ > 0\\.0 -> not met\nsteering off \\(rule: and\\)\n"), off.err());
        assertEquals(JSON.readTree(CliRunner.run("logits", "--prompt", happy, "--json", "--vector", cvec(1) + ":2.5", "--layers", "2-4").out()),
                JSON.readTree(on.out()));
        assertEquals(JSON.readTree(CliRunner.run("logits", "--prompt", dark, "--json").out()), JSON.readTree(off.out()));
        // "or" with a second condition that the dark prompt meets (cosine below 0) steers both
        CliRunner.Result or = CliRunner.run(concat(new String[]{"logits", "--prompt", dark, "--json", "--condition", cond + ":1:<0", "--condition-rule", "or"}, steer));
        assertTrue(or.err().endsWith("steering on (rule: or)\n"), or.err());
        assertEquals(JSON.readTree(CliRunner.run("logits", "--prompt", dark, "--json", "--vector", cvec(1) + ":2.5", "--layers", "2-4").out()),
                JSON.readTree(or.out()));
    }

    static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void badInputGivesOneLineNamingTheProblem() {
        Map<String[], String> cases = new java.util.LinkedHashMap<>();
        cases.put(new String[]{"logits", "-p", "x", "--vector", "v.gguf:abc"},
                "steer4j: --vector 'v.gguf:abc': SCALE 'abc' is not a number (expected FILE:SCALE, e.g. happy.gguf:0.8)\n");
        // --vector FILE is scale 1, as llama.cpp's --control-vector FILE
        cases.put(new String[]{"logits", "-p", "x", "--vector", "v.gguf"},
                "steer4j: --vector: vector file v.gguf does not exist\n");
        cases.put(new String[]{"generate", "-p", "x", "--vector", "no/such.gguf:1"},
                "steer4j: --vector: vector file no/such.gguf does not exist\n");
        cases.put(new String[]{"logits", "-p", "x", "--vector", cvec(2) + ":1", "--layers", "3-4"},
                "steer4j: --layers: vector file " + cvec(2) + " has no direction in layers 3-4 (it has layers [2])\n");
        cases.put(new String[]{"activations", "-p", "x", "--ablate", cvec(0)},
                "steer4j: --ablate: vector file " + cvec(0) + " has directions for layers [1, 2, 3, 4]; choose one with --ablate " + cvec(0) + ":L\n");
        cases.put(new String[]{"logits", "-p", "x", "--positions", "later", "--vector", cvec(0) + ":1"},
                "steer4j: --positions: 'later' is not a position filter (expected all, prompt, generated or from:K with K >= 0)\n");
        cases.put(new String[]{"logits", "-p", "x", "--condition", cvec(2) + ":2:x", "--vector", cvec(0) + ":1"},
                "steer4j: --condition '" + cvec(2) + ":2:x': THRESHOLD 'x' is not a number (expected FILE:LAYER:THRESHOLD, e.g. harmful.gguf:2:0.1)\n");
        cases.put(new String[]{"logits", "-p", "x", "--condition", cvec(2) + ":2:0.1"},
                "steer4j: --condition: a condition gates steering, but there is none (add --vector, --clamp or --ablate)\n");
        cases.put(new String[]{"compare", "-p", "x", "--vector", cvec(0) + ":1"},
                "steer4j: --vector: vector file " + cvec(0) + ":1 does not exist\n");
        for (var e : cases.entrySet()) {
            CliRunner.Result r = CliRunner.run(e.getKey());
            assertEquals(1, r.exitCode(), String.join(" ", e.getKey()));
            assertEquals(e.getValue(), r.err());
        }
        // picocli reads --layers with the shared layer-list grammar and answers with its usage text
        CliRunner.Result layers = CliRunner.run("logits", "-p", "x", "--vector", cvec(0) + ":1", "--layers", "4-2");
        assertEquals(2, layers.exitCode());
        assertEquals("Invalid value for option '--layers': '4-2': the range '4-2' runs backwards", layers.err().lines().findFirst().orElseThrow());
        CliRunner.Result read = CliRunner.run("logits", "-p", "x", "--condition", cvec(2) + ":2:0.1", "--condition-read", "first", "--vector", cvec(0) + ":1");
        assertEquals(2, read.exitCode());
        assertEquals("Invalid value for option '--condition-read': 'first' is not a prompt read (expected mean or last)", read.err().lines().findFirst().orElseThrow());
    }

    @Test
    void mismatchedWidthFromTheCli() {
        Path wide = tmp.resolve("wide.gguf");
        ControlVectorFile.write(wide, SteeringVector.single(2, new float[128], null));
        CliRunner.Result r = CliRunner.run("generate", "-p", "x", "--vector", wide + ":1");
        assertEquals(1, r.exitCode());
        assertEquals("steer4j: --vector: vector file " + wide + " has n_embd 128 but model stories260K.gguf has 64\n", r.err());
    }
}
