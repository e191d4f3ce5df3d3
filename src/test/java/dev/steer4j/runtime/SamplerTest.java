package dev.steer4j.runtime;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

/** Each sampling filter does what its name says, and seeds make draws reproducible. */
class SamplerTest {
    // Token 0 most likely, then 1, 2, ... (logits 5, 4, 3, 2, 1, 0).
    static final float[] LOGITS = {5, 4, 3, 2, 1, 0};

    static Set<Integer> draws(GenerationConfig cfg, int n) {
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < n; i++) seen.add(new Sampler(cfg.withSeed(i), LOGITS.length).sample(LOGITS, 0, null, 0));
        return seen;
    }

    static GenerationConfig open() {
        return new GenerationConfig(10, 1f, 0, 1f, 0f, 1f, 64, 0, List.of(), true);
    }

    @Test
    void greedyPicksTheMax() {
        assertEquals(0, new Sampler(GenerationConfig.greedy(1), 6).sample(LOGITS, 0, null, 0));
    }

    @Test
    void topKKeepsOnlyKTokens() {
        assertEquals(Set.of(0, 1), draws(open().withTopK(2), 400));
    }

    @Test
    void topPKeepsTheNucleus() {
        // p = softmax(5..0) ≈ .636 .234 .086 .032 .012 .004: top-p 0.8 keeps tokens 0 and 1.
        assertEquals(Set.of(0, 1), draws(open().withTopP(0.8f), 400));
    }

    @Test
    void minPDropsUnlikelyTokens() {
        // p(2)/p(0) = e^-2 ≈ 0.135, p(3)/p(0) ≈ 0.05: min-p 0.1 keeps 0, 1, 2.
        assertEquals(Set.of(0, 1, 2), draws(open().withMinP(0.1f), 600));
    }

    @Test
    void repetitionPenaltyDemotesSeenTokens() {
        Sampler s = new Sampler(GenerationConfig.greedy(1).withRepetitionPenalty(2f), 6);
        assertEquals(1, s.sample(LOGITS, 0, new int[]{0}, 1)); // 5 / 2 = 2.5 < 4
    }

    @Test
    void sameSeedSameDraws() {
        GenerationConfig cfg = open().withSeed(99);
        Sampler a = new Sampler(cfg, 6), b = new Sampler(cfg, 6);
        for (int i = 0; i < 50; i++) assertEquals(a.sample(LOGITS, 0, null, 0), b.sample(LOGITS, 0, null, 0));
    }

    @Test
    void invalidParametersAreRejected() {
        assertEquals("top-p must be in (0, 1], got 1.5",
                assertThrows(IllegalArgumentException.class, () -> open().withTopP(1.5f)).getMessage());
        assertEquals("temperature must be >= 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> open().withTemperature(-1f)).getMessage());
    }
}
