package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.VectorMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code orthogonalize} writes a model whose plain logits equal the original model's logits under run-time ablation
 * of the same direction (1e-4: the two differ only in float rounding), and both match the ablate.json oracle (1e-3).
 */
class OrthogonalizeCommandTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir Path dir;

    @Test
    void orthogonalisedModelEqualsRuntimeAblation() throws Exception {
        JsonNode c = json("reference/stories260K/ablate.json").get("cases").get(0);
        Path dirFile = dir.resolve("refusal.json");
        VectorFiles.write(dirFile, SteeringVector.single(1, floats(c.get("direction")), VectorMetadata.unknown()));
        Path out = dir.resolve("abliterated.gguf");
        CliRunner.Result r = CliRunner.run("orthogonalize", "--direction", dirFile.toString(), "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("wrote " + out + ": 11 tensors orthogonalised"), r.out());

        String prompt = c.get("prompt").asText();
        JsonNode baked = JSON.readTree(CliRunner.run("logits", "--model", out.toString(), "--prompt", prompt, "--json").out());
        JsonNode runtime = JSON.readTree(CliRunner.run("logits", "--prompt", prompt, "--json", "--ablate", dirFile + ":1").out());
        assertEquals(c.get("tokens"), baked.get("tokens"));
        for (int i = 0; i < c.get("tokens").size(); i++) {
            float[] b = floats(baked.get("logits").get(i));
            assertTrue(maxAbsDiff(floats(runtime.get("logits").get(i)), b, 0) < 1e-4, "position " + i);
            assertTrue(maxAbsDiff(floats(c.get("logits").get(i)), b, 0) < 1e-3, "oracle, position " + i);
        }
    }

    @Test
    void ambiguousDirectionIsRefused() throws Exception {
        Path v = dir.resolve("two.json");
        VectorFiles.write(v, SteeringVector.of(java.util.Map.of(1, new float[64], 2, new float[64]), VectorMetadata.unknown()));
        CliRunner.Result r = CliRunner.run("orthogonalize", "--direction", v.toString(), "-o", dir.resolve("x.gguf").toString());
        assertEquals(1, r.exitCode());
        assertEquals("steer4j: --direction: vector file " + v + " has directions for layers [1, 2]; choose one with --direction " + v + ":L\n", r.err());
    }
}
