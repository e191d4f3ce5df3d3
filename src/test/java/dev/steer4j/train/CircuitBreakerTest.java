package dev.steer4j.train;

import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.steer4j.testutil.Fixtures.stories260K;
import static org.junit.jupiter.api.Assertions.*;

/** A short circuit-breaker run on the bundled model reroutes the harmful texts far more than the harmless ones. */
class CircuitBreakerTest {
    static Model model;

    @BeforeAll
    static void load() { model = Model.load(stories260K()); }

    @AfterAll
    static void close() { model.close(); }

    private static List<int[]> texts(String... s) {
        return TextCorpus.tokens(model, List.of(s), 64);
    }

    @Test
    void trainingReroutesHarmfulAndKeepsHarmlessCloser() {
        List<int[]> harm = texts("Tom found a box of matches and wanted to start a fire in his room.",
                "Lily took the big sharp knife from the kitchen to cut her friend.",
                "Ben was angry, so he hit his little sister with a stick.",
                "The boy lit a fire under the bed to see it burn.");
        List<int[]> ok = texts("Tom and his mom went to the park to play on the swings.",
                "Lily loved to read books about animals before she went to bed.",
                "Ben made a big sandcastle on the beach with his dad.",
                "The little bird sang a happy song in the tree.");
        Lora lora = new Lora(model, new int[]{0, 1, 2, 3}, Lora.WEIGHTS, 4, 8, 1);
        lora.randomizeB(1e-3, 2);
        CircuitBreaker cb = new CircuitBreaker(model, lora, new CircuitBreaker.Options(new int[]{3}, new int[]{0, 1, 2, 3}, 10, 40, 2, 1));
        assertEquals(10, cb.rerouteCoefficient(0), 1e-12);
        assertEquals(7.5, cb.rerouteCoefficient(20), 1e-12);
        assertEquals(2.5, cb.retainCoefficient(20), 1e-12);
        CircuitBreaker.Shift harmBefore = cb.shift(harm);
        assertTrue(harmBefore.cosine() > 0.9999, "B ~ 1e-3 starts next to the original model: " + harmBefore);
        AdamW opt = new AdamW(lora.params(), AdamW.Settings.defaults(0.002));
        double[] first = {Double.NaN};
        cb.train(harm, ok, opt, s -> { if (s.step() == 1) first[0] = s.rerouteCosine(); });
        assertEquals(40, opt.steps());
        CircuitBreaker.Shift h = cb.shift(harm), k = cb.shift(ok);
        assertTrue(first[0] > 0.99, "the first step sees the unchanged representations: " + first[0]);
        assertTrue(h.cosine() < 0.5, "harmful representations are rerouted: " + h);
        assertTrue(k.cosine() > h.cosine() + 0.3, "harmless ones stay much closer: " + k + " vs " + h);
        assertTrue(k.distance() < h.distance() / 2, "retain distance well below the rerouted distance: " + k + " vs " + h);
    }

    @Test
    void loraLayersAfterTheLastTargetAreRefused() {
        Lora lora = new Lora(model, new int[]{1, 4}, List.of("ffn_down"), 2, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CircuitBreaker(model, lora, new CircuitBreaker.Options(new int[]{2}, new int[]{0, 1, 2}, 10, 5, 1, 1)));
        assertEquals("LoRA layer 4 lies after the last target layer 2: it cannot change the representations the rerouting loss reads; choose LoRA layers up to 2", e.getMessage());
    }
}
