package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.cnn.MazePolicyFixture;
import dev.steer4j.maze.Observation;
import dev.steer4j.read.NpyReader;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MazeCliTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void showPrintsTheLevelAndWritesTheProcgenFrame() throws Exception {
        CliRunner.Result r = CliRunner.run("maze", "show", "--seed", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("seed 1: 11x11 maze in a 15x15 world, background 5"), r.out());
        assertTrue(r.out().contains("##M#...#.....##"), r.out());
        assertTrue(r.out().contains("decision square (8, 10): cheese is UP, top-right is RIGHT"), r.out());

        Path png = dir.resolve("frame.png");
        r = CliRunner.run("maze", "show", "--seed", "1", "--frame", "-o", png.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode o = JSON.readTree(r.out());
        JsonNode ref = Fixtures.json("reference/maze/cases.json").get("cases").get(0);
        assertEquals(ref.get("observations").get("start").get("sha256_rgb_hwc").asText(), o.get("observation_sha256").asText());
        assertEquals(ref.get("observations").get("start").get("sha256_rgb_hwc").asText(), Observation.readPng(png).sha256());
        assertEquals(ref.get("grid"), o.get("grid"));
        assertEquals(ref.get("decision_square"), o.get("decision_square"));

        Path big = dir.resolve("maze.png");
        assertEquals(0, CliRunner.run("maze", "show", "--seed", "3", "-o", big.toString()).exitCode());
        BufferedImage img = ImageIO.read(big.toFile());
        assertEquals(512, img.getWidth());
    }

    @Test
    void badArgumentsAreNamed() {
        CliRunner.Result r = CliRunner.run("maze", "eval", "--policy", dir.resolve("none.pth").toString(), "--seeds", "0-9");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("policy " + dir.resolve("none.pth") + ": file not found (the checkpoint is user-supplied"), r.err());
        r = CliRunner.run("maze", "eval", "--policy", "x.pth", "--seeds", "9-3");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("--seeds 9-3: need 0 <= A <= B"), r.err());
        r = CliRunner.run("maze", "show", "--seed", "1", "--world", "16");
        assertTrue(r.err().contains("--world 16 must be odd, 3-63"), r.err());
        r = CliRunner.run("maze", "show", "--seed", "1", "--coefficient", "-1");
        assertTrue(r.err().contains("--coefficient needs --policy"), r.err());
    }

    @Test
    void hostileCheckpointIsRefusedByTheCli() throws Exception {
        var p = new dev.steer4j.format.pytorch.TorchZipWriter.Pickle();
        p.op(0x80).op(2).global("os", "system").str("echo pwned").op(0x85).op('R').op('.');
        Path f = dir.resolve("evil.pth");
        dev.steer4j.format.pytorch.TorchZipWriter.writeRaw(f, p.bytes());
        CliRunner.Result r = CliRunner.run("maze", "vector", "--policy", f.toString(), "--seed", "1", "-o", dir.resolve("v.npy").toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("GLOBAL os.system is refused"), r.err());
    }

    @Test
    void vectorAndEvalWithTheCheckpoint() throws Exception {
        MazePolicyFixture.policy(); // skips without ../shared
        String pol = MazePolicyFixture.CHECKPOINT.toString();
        Path npy = dir.resolve("cheese.npy");
        CliRunner.Result r = CliRunner.run("maze", "vector", "--policy", pol, "--seed", "1", "-o", npy.toString(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode v = JSON.readTree(r.out());
        JsonNode ref = Fixtures.json("reference/maze/cases.json").get("cases").get(0).get("cheese_vector");
        assertEquals(ref.get("l2_norm").asDouble(), v.get("l2_norm").asDouble(), 1e-4);
        try (NpyReader got = new NpyReader(npy); NpyReader want = new NpyReader(Fixtures.resource("reference/maze/seed-1/cheese_vector.npy"))) {
            assertEquals(java.util.Arrays.toString(want.shape()), java.util.Arrays.toString(got.shape()));
            for (int i = 0; i < want.rows(); i++) assertTrue(Fixtures.maxAbsDiff(want.row(i), got.row(i), 0) < 1e-5);
        }
        Path json = dir.resolve("cheese.json");
        assertEquals(0, CliRunner.run("maze", "vector", "--policy", pol, "--seed", "1", "-o", json.toString()).exitCode());
        assertTrue(Files.readString(json).contains("\"site\" : \"embedder.block2.res1.hook_resadd_out\""));

        r = CliRunner.run("maze", "eval", "--policy", pol, "--seeds", "0-4", "--coefficient", "-1", "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode e = JSON.readTree(r.out());
        JsonNode perMaze = Fixtures.json("reference/maze/cases.json").get("summary_seeds_0_199").get("per_maze");
        assertEquals(4, e.get("mazes_with_decision_square").asInt()); // seeds 0, 1, 3, 4
        for (int i = 0; i < 4; i++) {
            assertEquals(perMaze.get(i).get("seed").asInt(), e.get("per_maze").get(i).get("seed").asInt());
            assertEquals(perMaze.get(i).get("p_cheese_steered").asDouble(), e.get("per_maze").get(i).get("p_cheese_steered").asDouble(), 1e-5);
        }
    }
}
