package dev.steer4j.cnn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.maze.CheeseVectorEval;
import dev.steer4j.maze.DecisionSquareResult;
import dev.steer4j.maze.MazeGenerator;
import dev.steer4j.maze.MazeLevel;
import dev.steer4j.maze.MazePolicy;
import dev.steer4j.maze.Square;
import dev.steer4j.read.NpyReader;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The experiment end to end (generator → renderer → CNN → steering → metric) against the float64 reference. */
class CheeseVectorEvalTest {
    private static final double P_TOL = 1e-4;

    @Test
    void decisionSquareProbabilitiesMatchTheReferenceForSeeds0To59() {
        MazePolicy policy = new MazePolicy(MazePolicyFixture.policy());
        JsonNode perMaze = Fixtures.json("reference/maze/cases.json").get("summary_seeds_0_199").get("per_maze");
        double worst = 0;
        int n = 0;
        for (JsonNode m : perMaze) {
            int seed = m.get("seed").asInt();
            if (seed >= 60) break;
            DecisionSquareResult r = CheeseVectorEval.evaluate(policy, MazeGenerator.generate(seed), MazePolicy.DEFAULT_SITE, -1);
            worst = Math.max(worst, Math.abs(r.pCheese() - m.get("p_cheese").asDouble()));
            worst = Math.max(worst, Math.abs(r.pCheeseSteered() - m.get("p_cheese_steered").asDouble()));
            worst = Math.max(worst, Math.abs(r.pTopRight() - m.get("p_top_right").asDouble()));
            worst = Math.max(worst, Math.abs(r.pTopRightSteered() - m.get("p_top_right_steered").asDouble()));
            n++;
        }
        assertTrue(n > 25, n + " mazes");
        assertTrue(worst < P_TOL, "worst P difference " + worst);
        System.out.printf("decision-square P values of %d mazes within %.2e of the reference%n", n, worst);
    }

    @Test
    void vectorFieldsMatchTheReferenceUnsteeredAndSteered() {
        MazePolicy policy = new MazePolicy(MazePolicyFixture.policy());
        double worst = 0;
        for (JsonNode c : Fixtures.json("reference/maze/cases.json").get("cases")) {
            int seed = c.get("seed").asInt();
            if (seed != 1) continue; // one maze keeps the test short; the others are checked at their decision squares
            MazeLevel level = MazeGenerator.generate(seed);
            var v = policy.cheeseVector(level, MazePolicy.DEFAULT_SITE);
            JsonNode pos = c.get("vector_field").get("positions");
            String dir = "reference/maze/seed-" + seed + "/";
            try (NpyReader plain = new NpyReader(Fixtures.resource(dir + "vfield_logits.npy"));
                 NpyReader steered = new NpyReader(Fixtures.resource(dir + "vfield_logits_steered.npy"))) {
                assertEquals(pos.size(), plain.rows());
                for (int i = 0; i < pos.size(); i++) {
                    Square s = new Square(pos.get(i).get(0).asInt(), pos.get(i).get(1).asInt());
                    worst = Math.max(worst, Fixtures.maxAbsDiff(policy.at(level, s).logits(), plain.row(i), 0));
                    try (var on = policy.steer(v, -1)) {
                        worst = Math.max(worst, Fixtures.maxAbsDiff(policy.at(level, s).logits(), steered.row(i), 0));
                    }
                }
            }
        }
        assertTrue(worst < 1e-4, "worst vector-field logit difference " + worst);
    }
}
