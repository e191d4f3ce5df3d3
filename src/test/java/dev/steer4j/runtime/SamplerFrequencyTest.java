package dev.steer4j.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The sampler draws tokens with the probabilities it promises: softmax(logits / T) over the candidates that top-k and
 * top-p keep, renormalised. 40,000 draws from one seeded sampler; each frequency must lie within 5 standard errors of
 * its probability (a correct sampler fails this about once in 10^6 runs, a sampler off by 0.02 fails it always).
 */
class SamplerFrequencyTest {
    static final float[] LOGITS = {2.0f, 1.0f, 0.5f, -1.0f, 0.0f};
    static final int DRAWS = 40_000;

    static double[] frequencies(GenerationConfig cfg) {
        Sampler s = new Sampler(cfg, LOGITS.length);
        double[] f = new double[LOGITS.length];
        for (int i = 0; i < DRAWS; i++) f[s.sample(LOGITS, 0, null, 0)]++;
        for (int i = 0; i < f.length; i++) f[i] /= DRAWS;
        return f;
    }

    /** softmax(logits / t) over the tokens in {@code keep}, zero elsewhere. */
    static double[] expected(double t, int... keep) {
        double[] p = new double[LOGITS.length];
        double sum = 0;
        for (int k : keep) sum += p[k] = Math.exp(LOGITS[k] / t);
        for (int k : keep) p[k] /= sum;
        return p;
    }

    static void assertMatches(double[] want, double[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            double se = Math.sqrt(Math.max(want[i] * (1 - want[i]), 1e-12) / DRAWS);
            assertEquals(want[i], got[i], 5 * se + 1e-12, what + ": token " + i + " (want " + want[i] + ", got " + got[i] + ")");
        }
    }

    static GenerationConfig plain(float t) {
        return new GenerationConfig(1, t, 0, 1f, 0f, 1f, 64, 1234, List.of(), true);
    }

    @Test
    void temperatureOneDrawsTheSoftmax() {
        assertMatches(expected(1, 0, 1, 2, 3, 4), frequencies(plain(1f)), "T=1");
    }

    @Test
    void temperatureSharpensAndFlattens() {
        assertMatches(expected(0.5, 0, 1, 2, 3, 4), frequencies(plain(0.5f)), "T=0.5");
        assertMatches(expected(2, 0, 1, 2, 3, 4), frequencies(plain(2f)), "T=2");
    }

    @Test
    void topKAndTopPRenormaliseOverTheKeptTokens() {
        // top-k 3 keeps tokens 0, 1, 2
        assertMatches(expected(1, 0, 1, 2), frequencies(plain(1f).withTopK(3)), "top-k 3");
        // softmax at T=1: 0.557, 0.205, 0.124, 0.028, 0.075 (sorted: 0, 1, 2, 4, 3); top-p 0.7 keeps 0 and 1 (0.762 >= 0.7)
        assertMatches(expected(1.5, 0, 1), frequencies(plain(1.5f).withTopP(0.7f)), "top-p 0.7 at T=1.5");
    }
}
