package dev.steer4j.maze;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The renderer against procgen's own frame (hard mode) and the reference observations (easy mode), pixel for pixel. */
class MazeRendererTest {
    private final MazeRenderer renderer = new MazeRenderer();

    private static int differing(Observation a, Observation b) {
        int n = 0;
        for (int i = 0; i < a.rgb().length; i += 3)
            if (a.rgb()[i] != b.rgb()[i] || a.rgb()[i + 1] != b.rgb()[i + 1] || a.rgb()[i + 2] != b.rgb()[i + 2]) n++;
        return n;
    }

    @Test
    void reproducesProcgensOwnHardModeFrame() {
        JsonNode truth = Fixtures.json("reference/maze/procgen_ground_truth.json");
        MazeLevel level = MazeGenerator.generate(0, MazeGenerator.HARD_WORLD, MazeGenerator.Distribution.ANYWHERE);
        Observation ours = renderer.render(level, level.mouseStart());
        Observation procgen = Observation.readPng(Fixtures.resource("reference/maze/procgen_frame_hard_seed0.png"));
        assertEquals(0, differing(ours, procgen), "pixels differing from procgen's frame");
        assertEquals(truth.get("frame").get("sha256_rgb_hwc").asText(), ours.sha256());
    }

    @Test
    void reproducesTheEasyModeReferenceObservations() {
        for (JsonNode c : Fixtures.json("reference/maze/cases.json").get("cases")) {
            int seed = c.get("seed").asInt();
            MazeLevel level = MazeGenerator.generate(seed);
            JsonNode o = c.get("observations");
            Square ds = new Square(c.get("decision_square").get(0).asInt(), c.get("decision_square").get(1).asInt());
            Observation[] ours = {renderer.render(level, level.mouseStart()), renderer.render(level.withoutCheese(), level.mouseStart()), renderer.render(level, ds)};
            String[] keys = {"start", "start_no_cheese", "decision_square"};
            for (int k = 0; k < 3; k++) {
                Observation ref = Observation.readPng(Fixtures.resource("reference/maze/seed-" + seed + "/obs_" + keys[k] + ".png"));
                assertEquals(0, differing(ours[k], ref), "seed " + seed + " " + keys[k] + ": pixels differing");
                assertEquals(o.get(keys[k]).get("sha256_rgb_hwc").asText(), ours[k].sha256(), "seed " + seed + " " + keys[k]);
            }
        }
    }

    @Test
    void mirroringFlipsTheMouseSpriteOnly() {
        MazeLevel level = MazeGenerator.generate(3);
        Observation plain = renderer.render(level, level.mouseStart(), false), mirrored = renderer.render(level, level.mouseStart(), true);
        int changed = differing(plain, mirrored);
        assertEquals(true, changed > 0 && changed <= 5 * 5, "changed " + changed);
        assertArrayEquals(renderer.render(level.withoutCheese(), null).rgb(), renderer.render(level.withoutCheese(), null).rgb());
    }
}
