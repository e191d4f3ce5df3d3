package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.VectorMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Regression tests for the CLI bugs of issue 13, one per bug. */
class CliBugFixesTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** A two-layer vector of the bundled model's width (64), written in both formats. */
    static SteeringVector twoLayers() {
        float[] a = new float[64], b = new float[64];
        for (int i = 0; i < 64; i++) { a[i] = (float) Math.sin(i + 1); b[i] = (float) Math.cos(3 * i); }
        return SteeringVector.of(Map.of(1, a, 3, b), VectorMetadata.unknown());
    }

    @Test
    void topLevelHelpHasNoPicocliFormatWarning() {
        CliRunner.Result r = CliRunner.run("--help");
        assertEquals(0, r.exitCode());
        assertFalse(r.err().contains("[picocli WARN]"), r.err());
        assertFalse(r.out().contains("[picocli WARN]"), r.out());
        CliRunner.Result b = CliRunner.run("bench", "--help");
        assertEquals(0, b.exitCode());
        assertTrue(b.out().contains("as % of the bandwidth bound"), b.out());
        assertFalse(b.err().contains("WARN"), b.err());
    }

    @Test
    void lensReadsJsonVectorsLikeGguf(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("v.json"), gguf = dir.resolve("v.gguf");
        VectorFiles.write(json, twoLayers());
        VectorFiles.write(gguf, twoLayers());
        CliRunner.Result j = CliRunner.run("lens", "--vector", json.toString(), "--json", "--top", "3");
        assertEquals(0, j.exitCode(), j.err());
        CliRunner.Result g = CliRunner.run("lens", "--vector", gguf.toString(), "--json", "--top", "3");
        assertEquals(0, g.exitCode(), g.err());
        JsonNode a = JSON.readTree(j.out()).get("layers"), b = JSON.readTree(g.out()).get("layers");
        assertEquals(2, a.size());
        assertEquals(b, a, "the same directions give the same lens in both formats");
    }

    @Test
    void cosineReadsJsonVectorsLikeGguf(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("v.json"), gguf = dir.resolve("w.gguf");
        VectorFiles.write(json, twoLayers());
        VectorFiles.write(gguf, twoLayers());
        CliRunner.Result r = CliRunner.run("cosine", json.toString(), gguf.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = JSON.readTree(r.out());
        assertEquals("[\"v@1\",\"v@3\",\"w@1\",\"w@3\"]", o.get("labels").toString());
        JsonNode v = o.get("values");
        assertEquals(1.0, v.get(0).get(2).asDouble(), 1e-6, "layer 1 of the .json equals layer 1 of the .gguf");
        assertEquals(1.0, v.get(1).get(3).asDouble(), 1e-6);
    }
}
