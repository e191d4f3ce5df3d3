package dev.steer4j.runtime;

import java.util.List;

/**
 * How to generate: sampling parameters and stop conditions. {@code temperature <= 0} means greedy. Samplers apply
 * in llama.cpp's order: repetition penalty, top-k, top-p, min-p, temperature, then a seeded draw.
 *
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              nucleus mass (1 = off)
 * @param minP              drop tokens below minP × p(max) (0 = off)
 * @param repetitionPenalty divide positive logits (multiply negative) of recently seen tokens by this (1 = off)
 * @param repeatLastN       how many recent tokens the penalty looks at
 * @param seed              seed of the sampling draws; equal seeds give equal runs
 * @param stop              strings that end generation; the text is cut before the first match
 * @param stopAtEos         stop at end-of-generation tokens
 */
public record GenerationConfig(
        int maxTokens,
        float temperature,
        int topK,
        float topP,
        float minP,
        float repetitionPenalty,
        int repeatLastN,
        long seed,
        List<String> stop,
        boolean stopAtEos) {

    public GenerationConfig {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        if (temperature < 0 || Float.isNaN(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        stop = stop == null ? List.of() : List.copyOf(stop);
    }

    /** Greedy decoding of up to {@code maxTokens} tokens, stopping at EOS. */
    public static GenerationConfig greedy(int maxTokens) {
        return new GenerationConfig(maxTokens, 0f, 0, 1f, 0f, 1f, 64, 0, List.of(), true);
    }

    /** Sampling with llama.cpp's defaults (top-k 40, top-p 0.95, min-p 0.05). */
    public static GenerationConfig sampled(int maxTokens, float temperature, long seed) {
        return new GenerationConfig(maxTokens, temperature, 40, 0.95f, 0.05f, 1f, 64, seed, List.of(), true);
    }

    public GenerationConfig withMaxTokens(int n) { return new GenerationConfig(n, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos); }
    public GenerationConfig withTemperature(float t) { return new GenerationConfig(maxTokens, t, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos); }
    public GenerationConfig withTopK(int k) { return new GenerationConfig(maxTokens, temperature, k, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos); }
    public GenerationConfig withTopP(float p) { return new GenerationConfig(maxTokens, temperature, topK, p, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos); }
    public GenerationConfig withMinP(float p) { return new GenerationConfig(maxTokens, temperature, topK, topP, p, repetitionPenalty, repeatLastN, seed, stop, stopAtEos); }
    public GenerationConfig withRepetitionPenalty(float p) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, p, repeatLastN, seed, stop, stopAtEos); }
    public GenerationConfig withSeed(long s) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, s, stop, stopAtEos); }
    public GenerationConfig withStop(List<String> s) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, s, stopAtEos); }
    public GenerationConfig withStopAtEos(boolean b) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, b); }
}
