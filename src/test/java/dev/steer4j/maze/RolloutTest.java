package dev.steer4j.maze;

import dev.steer4j.cnn.ImpalaCnn;
import dev.steer4j.format.pytorch.FloatTensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Maze dynamics with synthetic policies whose action is fixed by the policy-head bias (all weights zero). */
class RolloutTest {
    private static ImpalaCnn constantPolicy(int action) {
        Map<String, FloatTensor> sd = new LinkedHashMap<>();
        int c = 3;
        for (int b = 1; b <= 3; b++) {
            String p = "embedder.block" + b;
            put(sd, p + ".conv.weight", 2 * c * 9, 2, c, 3, 3);
            put(sd, p + ".conv.bias", 2, 2);
            for (String r : new String[]{".res1", ".res2"})
                for (String k : new String[]{".conv1", ".conv2"}) {
                    put(sd, p + r + k + ".weight", 2 * 2 * 9, 2, 2, 3, 3);
                    put(sd, p + r + k + ".bias", 2, 2);
                }
            c = 2;
        }
        put(sd, "embedder.fc.weight", 4 * 128, 4, 128);
        put(sd, "embedder.fc.bias", 4, 4);
        put(sd, "fc_policy.weight", 15 * 4, 15, 4);
        float[] bias = new float[15];
        bias[action] = 50;
        sd.put("fc_policy.bias", new FloatTensor("fc_policy.bias", new int[]{15}, bias));
        put(sd, "fc_value.weight", 4, 1, 4);
        put(sd, "fc_value.bias", 1, 1);
        return ImpalaCnn.fromStateDict(sd, 64, 64);
    }

    private static void put(Map<String, FloatTensor> sd, String k, int n, int... shape) {
        sd.put(k, new FloatTensor(k, shape, new float[n]));
    }

    @Test
    void movesStopAtWallsAndEpisodesEndAtTheLimit() {
        MazeLevel level = MazeGenerator.generate(1); // start (2, 2), a corridor going up
        MazePolicy up = new MazePolicy(constantPolicy(5));
        Rollout.Episode e = Rollout.play(up, level, true, new Random(0), 7);
        assertFalse(e.reachedCheese());
        assertEquals(7, e.steps());
        // the mouse walks up the corridor from (2, 2) until the first wall
        Square s = level.mouseStart();
        while (level.isFree(s.step(Move.UP))) s = s.step(Move.UP);
        assertTrue(s.y() > level.mouseStart().y());
        assertEquals(s, e.end());
        MazePolicy left = new MazePolicy(constantPolicy(1));
        Rollout.Episode l = Rollout.play(left, level, true, new Random(0), 3);
        assertFalse(l.reachedCheese()); // (1, 2) is margin wall: the mouse never moves
        assertFalse(l.visitedTopRight());
        assertEquals(level.mouseStart(), l.end());
    }

    @Test
    void reachingTheCheeseEndsTheEpisode() {
        // find a level whose cheese is straight above the start along free squares
        for (int seed = 0; seed < 400; seed++) {
            MazeLevel level = MazeGenerator.generate(seed);
            Square s = level.mouseStart();
            int steps = 0;
            while (level.isFree(s.step(Move.UP)) && !s.equals(level.cheese())) { s = s.step(Move.UP); steps++; }
            if (!s.equals(level.cheese())) continue;
            Rollout.Episode e = Rollout.play(new MazePolicy(constantPolicy(5)), level, true, new Random(0), 500);
            assertTrue(e.reachedCheese());
            assertEquals(steps, e.steps());
            return;
        }
        throw new AssertionError("no level with the cheese straight above the start in seeds 0-399");
    }
}
