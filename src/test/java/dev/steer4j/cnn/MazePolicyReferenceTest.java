package dev.steer4j.cnn;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.maze.Observation;
import dev.steer4j.read.NpyReader;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CNN runtime against the float64 PyTorch reference (shared/reference/maze, copied into test resources). */
class MazePolicyReferenceTest {
    private static final double LOGIT_TOL = 1e-4, ACT_TOL = 1e-5;
    private static final String SITE = "embedder.block2.res1.hook_resadd_out";

    private static float[] npy(String rel) {
        try (NpyReader r = new NpyReader(Fixtures.resource(rel))) {
            float[] all = new float[(int) (r.rows() * r.rowElements())];
            for (int i = 0; i < r.rows(); i++) System.arraycopy(r.row(i), 0, all, i * r.rowElements(), r.rowElements());
            return all;
        }
    }

    private static double maxDiff(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        return Fixtures.maxAbsDiff(a, b, 0);
    }

    private static float[] obs(String rel) {
        return Observation.readPng(Fixtures.resource(rel)).toChw();
    }

    @Test
    void logitsActivationsAndSteeringMatchTheReference() {
        ImpalaCnn net = MazePolicyFixture.policy();
        CnnHookPoint site = net.hookPoint(SITE);
        assertEquals("[32, 16, 16]", site.shapeString());
        JsonNode cases = Fixtures.json("reference/maze/cases.json").get("cases");
        double worstLogit = 0, worstAct = 0;
        for (JsonNode c : cases) {
            String dir = "reference/maze/seed-" + c.get("seed").asInt() + "/";
            float[] a = obs(dir + "obs_start.png"), b = obs(dir + "obs_start_no_cheese.png"), d = obs(dir + "obs_decision_square.png");
            CnnHooks hooks = net.newHooks();
            float[][] act = new float[1][];
            hooks.add(site, r -> act[0] = r.copyRow(0));

            PolicyOutput outA = net.forward(a, hooks);
            float[] actA = act[0];
            worstLogit = Math.max(worstLogit, maxDiff(outA.logits(), Fixtures.floats(c.get("start").get("logits"))));
            worstLogit = Math.max(worstLogit, Math.abs(outA.value() - c.get("start").get("value").asDouble()));
            worstAct = Math.max(worstAct, maxDiff(actA, npy(dir + "act_start.npy")));

            PolicyOutput outB = net.forward(b, hooks);
            float[] actB = act[0];
            worstLogit = Math.max(worstLogit, maxDiff(outB.logits(), Fixtures.floats(c.get("start_no_cheese").get("logits"))));
            worstAct = Math.max(worstAct, maxDiff(actB, npy(dir + "act_start_no_cheese.npy")));

            float[] v = new float[actA.length];
            for (int i = 0; i < v.length; i++) v[i] = actA[i] - actB[i];
            worstAct = Math.max(worstAct, maxDiff(v, npy(dir + "cheese_vector.npy")));

            PolicyOutput outD = net.forward(d, hooks);
            worstLogit = Math.max(worstLogit, maxDiff(outD.logits(), Fixtures.floats(c.get("decision_square_unsteered").get("logits"))));
            worstAct = Math.max(worstAct, maxDiff(act[0], npy(dir + "act_decision_square.npy")));

            SteeringVector cheese = SteeringVector.single(site.index(), v, VectorMetadata.unknown());
            try (var s = CnnSteering.add(hooks, cheese, -1.0)) {
                worstLogit = Math.max(worstLogit, maxDiff(net.forward(a, hooks).logits(), Fixtures.floats(c.get("start_steered").get("logits"))));
                worstLogit = Math.max(worstLogit, maxDiff(net.forward(d, hooks).logits(), Fixtures.floats(c.get("decision_square_steered").get("logits"))));
            }
            // closing the steering restores the unsteered pass
            assertTrue(maxDiff(net.forward(d, hooks).logits(), outD.logits()) < 1e-5);
        }
        assertTrue(worstLogit < LOGIT_TOL, "worst logit/value difference " + worstLogit);
        assertTrue(worstAct < ACT_TOL, "worst activation difference " + worstAct);
        System.out.printf("maze policy vs reference: logits/value within %.2e, activations within %.2e%n", worstLogit, worstAct);
    }
}
