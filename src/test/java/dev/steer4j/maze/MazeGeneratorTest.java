package dev.steer4j.maze;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The generator against procgen's own serialized states and the reference cases. */
class MazeGeneratorTest {
    @Test
    void mersenneTwisterMatchesTheStandardTestVector() {
        Mt19937 mt = new Mt19937(5489);
        long last = 0;
        for (int i = 0; i < 10000; i++) last = mt.next();
        assertEquals(4123659995L, last);
    }

    private static List<String> rows(JsonNode arr) {
        List<String> r = new ArrayList<>();
        arr.forEach(n -> r.add(n.asText()));
        return r;
    }

    @Test
    void leavesTheTwisterInProcgensSerializedStateAndBuildsItsGrid() throws Exception {
        JsonNode truth = Fixtures.json("reference/maze/procgen_ground_truth.json");
        for (JsonNode s : truth.get("states")) {
            int seed = s.get("level_seed").asInt();
            Mt19937 rng = new Mt19937(seed);
            MazeLevel level = MazeGenerator.generate(rng, seed, s.get("world_dim").asInt(), MazeGenerator.Distribution.ANYWHERE);
            String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rng.stateText().getBytes(StandardCharsets.US_ASCII)));
            assertEquals(s.get("mt19937_state_after_game_reset_sha256").asText(), hash, "seed " + seed);
            assertEquals(s.get("ours_rng_draws").asLong(), level.rngDraws());
            assertEquals(s.get("maze_dim").asInt(), level.mazeDim());
            assertEquals(s.get("background_index").asInt(), level.backgroundIndex());
            assertEquals((float) s.get("bg_pct_x").asDouble(), level.bgPctX());
            if (s.get("state_unedited").asBoolean()) assertEquals(rows(s.get("grid")), level.gridRows(), "seed " + seed);
        }
    }

    @Test
    void easyModeCasesMatchTheReference() {
        for (JsonNode c : Fixtures.json("reference/maze/cases.json").get("cases")) {
            int seed = c.get("seed").asInt();
            MazeLevel level = MazeGenerator.generate(seed);
            assertEquals(rows(c.get("grid")), level.gridRows(), "seed " + seed);
            assertEquals(c.get("maze_dim").asInt(), level.mazeDim());
            assertEquals(c.get("margin").asInt(), level.margin());
            assertEquals(c.get("background_index").asInt(), level.backgroundIndex());
            assertEquals(c.get("rng_draws_in_game_reset").asLong(), level.rngDraws());
            assertEquals(new Square(c.get("cheese").get(0).asInt(), c.get("cheese").get(1).asInt()), level.cheese());
            assertEquals(new Square(c.get("top_right").get(0).asInt(), c.get("top_right").get(1).asInt()), level.topRight());
        }
    }

    @Test
    void trainingDistributionPutsTheCheeseInTheTopRightRegion() {
        int placed = 0;
        for (int seed = 0; seed < 200; seed++) {
            MazeLevel l = MazeGenerator.generate(seed, 15, MazeGenerator.Distribution.TOP_RIGHT);
            if (!l.hasCheese()) continue;
            placed++;
            int r = Math.min(5, l.mazeDim());
            assertTrue(l.cheese().x() - l.margin() >= l.mazeDim() - r && l.cheese().y() - l.margin() >= l.mazeDim() - r, "seed " + seed + " " + l.cheese());
        }
        assertTrue(placed > 190, "cheese placed in " + placed + " of 200 levels");
    }
}
