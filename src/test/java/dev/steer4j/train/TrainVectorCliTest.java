package dev.steer4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.cli.CliRunner;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code steer4j train-vector} end to end on the bundled model. */
class TrainVectorCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path tmp;

    @Test
    void trainsComparesAndWritesAControlVectorThatGenerateApplies() throws Exception {
        Path out = tmp.resolve("happy.gguf");
        CliRunner.Result r = CliRunner.run("train-vector", "-o", out.toString(), "--steps", "12", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode j = JSON.readTree(r.out());
        assertEquals(12, j.get("steps").asInt());
        assertTrue(j.get("tokens_per_second").asDouble() > 0);
        JsonNode rows = j.get("comparison");
        assertEquals("none", rows.get(0).get("vector").asText());
        assertEquals("trained (bipo)", rows.get(1).get("vector").asText());
        assertTrue(rows.get(1).get("shift").asDouble() > 0.5, "the trained vector moves held-out pairs: " + rows.get(1));
        assertTrue(rows.get(1).get("mean_kl").asDouble() > 0, "steering has a cost on neutral text");
        SteeringVector v = VectorFiles.read(out);
        assertEquals(2, v.layers().firstKey()); // the middle of 5 blocks
        assertEquals("bipo", v.metadata().method());
        assertTrue(Files.exists(tmp.resolve("happy.gguf.ckpt.json")));

        CliRunner.Result g = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "12", "--temperature", "0",
                "--vector", out + ":1");
        CliRunner.Result plain = CliRunner.run("generate", "--prompt", "Once upon a time", "--max-tokens", "12", "--temperature", "0");
        assertEquals(0, g.exitCode(), g.err());
        assertNotEquals(plain.out(), g.out(), "the trained vector changes the greedy text");
    }

    @Test
    void resumingAfterAnInterruptionGivesTheUninterruptedVector() {
        Path straight = tmp.resolve("a.json"), resumed = tmp.resolve("b.json");
        assertEquals(0, CliRunner.run("train-vector", "-o", straight.toString(), "--steps", "6", "--no-compare").exitCode());
        assertEquals(0, CliRunner.run("train-vector", "-o", resumed.toString(), "--steps", "3", "--no-compare").exitCode());
        CliRunner.Result r = CliRunner.run("train-vector", "-o", resumed.toString(), "--steps", "6", "--no-compare", "--resume");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("resumed"), r.err());
        assertArrayEquals(VectorFiles.read(straight).get(2), VectorFiles.read(resumed).get(2), 0f);
    }

    @Test
    void resumingWithOtherSettingsNamesTheField() {
        Path out = tmp.resolve("c.json");
        assertEquals(0, CliRunner.run("train-vector", "-o", out.toString(), "--steps", "1", "--no-compare").exitCode());
        CliRunner.Result r = CliRunner.run("train-vector", "-o", out.toString(), "--steps", "2", "--no-compare", "--resume", "--lr", "0.1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("checkpoint was made with lr = 0.05, this run has lr = 0.1"), r.err());
    }
}
