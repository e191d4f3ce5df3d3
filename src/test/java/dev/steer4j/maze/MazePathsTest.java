package dev.steer4j.maze;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Decision squares and directions against the reference's 108 mazes of seeds 0-199 (no network involved). */
class MazePathsTest {
    private static Square sq(JsonNode a) { return new Square(a.get(0).asInt(), a.get(1).asInt()); }

    @Test
    void decisionSquaresOfSeeds0To199MatchTheReference() {
        JsonNode summary = Fixtures.json("reference/maze/cases.json").get("summary_seeds_0_199");
        List<Integer> refSeeds = new ArrayList<>(), ours = new ArrayList<>();
        summary.get("per_maze").forEach(m -> refSeeds.add(m.get("seed").asInt()));
        int k = 0;
        for (int seed = 0; seed < 200; seed++) {
            MazeLevel level = MazeGenerator.generate(seed);
            MazePaths.Decision d = MazePaths.decision(level);
            if (d == null) continue;
            ours.add(seed);
            JsonNode m = summary.get("per_maze").get(k++);
            if (m == null || m.get("seed").asInt() != seed) break;
            assertEquals(sq(m.get("decision_square")), d.square(), "seed " + seed);
            assertEquals(sq(m.get("cheese")), level.cheese(), "seed " + seed);
            assertEquals(m.get("cheese_dir").asText(), d.towardCheese().name(), "seed " + seed);
            assertEquals(m.get("top_right_dir").asText(), d.towardTopRight().name(), "seed " + seed);
        }
        assertEquals(refSeeds, ours);
        assertEquals(108, ours.size());
    }

    @Test
    void pathsAreShortestAndDecisionNeedsAFork() {
        MazeLevel level = MazeGenerator.generate(1);
        List<Square> p = MazePaths.path(level, level.mouseStart(), level.cheese());
        assertEquals(level.mouseStart(), p.getFirst());
        assertEquals(level.cheese(), p.getLast());
        for (int i = 1; i < p.size(); i++) {
            assertEquals(1, p.get(i - 1).manhattan(p.get(i)));
            assertTrue(level.isFree(p.get(i)));
        }
        assertEquals(List.of(), MazePaths.path(level, level.mouseStart(), new Square(0, 0)));
        // a level whose cheese lies on the way to the corner has no decision square
        int found = 0;
        for (int seed = 0; seed < 60; seed++) {
            MazeLevel l = MazeGenerator.generate(seed);
            List<Square> c = MazePaths.path(l, l.mouseStart(), l.cheese()), t = MazePaths.path(l, l.mouseStart(), l.topRight());
            boolean prefix = t.subList(0, Math.min(c.size(), t.size())).equals(c.subList(0, Math.min(c.size(), t.size())));
            if (prefix) { found++; assertNull(MazePaths.decision(l), "seed " + seed); }
        }
        assertTrue(found > 0);
    }
}
