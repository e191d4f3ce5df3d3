package dev.steer4j.runtime;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** Logit bias, OpenAI's presence and frequency penalties, and log-probabilities. */
class SamplerAdjustmentsTest {
    static final float[] LOGITS = {5, 4, 3, 2, 1, 0};

    static int[] greedyRun(GenerationConfig cfg, int steps) {
        Sampler s = new Sampler(cfg, LOGITS.length);
        int[] out = new int[steps];
        for (int i = 0; i < steps; i++) out[i] = s.sample(LOGITS, 0, null, 0);
        return out;
    }

    @Test
    void logitBiasShiftsAndBansTokens() {
        assertEquals(5, new Sampler(GenerationConfig.greedy(1).withLogitBias(Map.of(5, 6f)), 6).sample(LOGITS, 0, null, 0));
        assertEquals(1, new Sampler(GenerationConfig.greedy(1).withLogitBias(Map.of(0, -100f)), 6).sample(LOGITS, 0, null, 0));
        // A banned token is never drawn, even at a high temperature.
        GenerationConfig hot = GenerationConfig.sampled(1, 2f, 0).withTopK(0).withTopP(1f).withMinP(0f).withLogitBias(Map.of(0, -100f));
        for (int seed = 0; seed < 200; seed++) assertNotEquals(0, new Sampler(hot.withSeed(seed), 6).sample(LOGITS, 0, null, 0));
    }

    @Test
    void logitBiasOutsideTheVocabularyIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Sampler(GenerationConfig.greedy(1).withLogitBias(Map.of(6, 1f)), 6));
        assertEquals("logit bias: token id 6 is outside the vocabulary (0-5)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GenerationConfig.greedy(1).withLogitBias(Map.of(1, 101f)));
        assertEquals("logit bias of token 1 must be in [-100, 100], got 101.0", e.getMessage());
    }

    @Test
    void presencePenaltyIsSubtractedOncePerGeneratedToken() {
        // step 2: 5 - 1.5 = 3.5 < 4 picks 1; step 3: 3.5 > 3 picks 0 again; the presence penalty does not grow.
        assertArrayEquals(new int[]{0, 1, 0, 0}, greedyRun(GenerationConfig.greedy(1).withPenalties(1.5f, 0f), 4));
    }

    @Test
    void frequencyPenaltyGrowsWithEachRepeat() {
        // OpenAI: logit -= count × frequency. Worked by hand for logits 5,4,3,2,1,0 and 1.5.
        assertArrayEquals(new int[]{0, 1, 0, 2, 1, 0}, greedyRun(GenerationConfig.greedy(1).withPenalties(0f, 1.5f), 6));
        assertArrayEquals(new int[]{0, 0, 0}, greedyRun(GenerationConfig.greedy(1), 3), "no penalty, no change");
    }

    @Test
    void logprobsAreTheLogSoftmaxOfTheAdjustedLogits() {
        Sampler s = new Sampler(GenerationConfig.greedy(1).withLogprobs(2), 6);
        assertNull(new Sampler(GenerationConfig.greedy(1), 6).lastLogprob());
        assertEquals(0, s.sample(LOGITS, 0, null, 0));
        double z = 0;
        for (float l : LOGITS) z += Math.exp(l);
        TokenLogprob lp = s.lastLogprob();
        assertEquals(0, lp.token());
        assertEquals(5 - Math.log(z), lp.logprob(), 1e-6);
        assertEquals(2, lp.top().size());
        assertEquals(1, lp.top().get(1).token());
        assertEquals(4 - Math.log(z), lp.top().get(1).logprob(), 1e-6);
        // With a bias the distribution reported is the biased one.
        Sampler b = new Sampler(GenerationConfig.greedy(1).withLogprobs(0).withLogitBias(Map.of(5, 10f)), 6);
        assertEquals(5, b.sample(LOGITS, 0, null, 0));
        double zb = z - 1 + Math.exp(10);
        assertEquals(10 - Math.log(zb), b.lastLogprob().logprob(), 1e-6);
        assertEquals(List.of(), b.lastLogprob().top());
    }

    @Test
    void generatorReportsTheReferenceLogprobOfItsFirstToken() {
        JsonNode c = json("reference/stories260K/forward.json").get("cases").get(0);
        float[] last = floats(c.get("logits").get(c.get("logits").size() - 1));
        int best = Sampler.argmax(last, last.length);
        double max = last[best], sum = 0;
        for (float l : last) sum += Math.exp(l - max);
        double expected = -Math.log(sum);
        try (Model m = Model.load(stories260K())) {
            GenerationResult r = new Generator(m).generate("Once upon a time", GenerationConfig.greedy(8).withLogprobs(3), null);
            assertEquals(r.tokens().length, r.logprobs().size());
            TokenLogprob first = r.logprobs().getFirst();
            assertEquals(best, first.token());
            assertEquals(expected, first.logprob(), 1e-3, "log-softmax of llama.cpp's logits at the last prompt token");
            for (TokenLogprob t : r.logprobs()) {
                assertEquals(t.top().getFirst().token(), t.token(), "greedy picks the most likely token");
                assertTrue(t.top().get(0).logprob() >= t.top().get(1).logprob() && t.top().get(1).logprob() >= t.top().get(2).logprob());
            }
        }
    }
}
