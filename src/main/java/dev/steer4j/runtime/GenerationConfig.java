package dev.steer4j.runtime;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How to generate: sampling parameters and stop conditions. {@code temperature <= 0} means greedy. Samplers apply
 * in llama.cpp's order: logit bias, repetition penalty, presence and frequency penalties, top-k, top-p, min-p,
 * temperature, then a seeded draw.
 *
 * @param topK              keep the k most likely tokens (0 = off)
 * @param topP              nucleus mass (1 = off)
 * @param minP              drop tokens below minP × p(max) (0 = off)
 * @param repetitionPenalty divide positive logits (multiply negative) of recently seen tokens by this (1 = off)
 * @param repeatLastN       how many recent tokens the penalty looks at
 * @param seed              seed of the sampling draws; equal seeds give equal runs
 * @param stop              strings that end generation; the text is cut before the first match
 * @param stopAtEos         stop at end-of-generation tokens
 * @param presencePenalty   subtract this from the logit of every token already generated (OpenAI's
 *                          {@code presence_penalty}; 0 = off)
 * @param frequencyPenalty  subtract this × the number of times a token was generated (OpenAI's
 *                          {@code frequency_penalty}; 0 = off)
 * @param logitBias         added to the logits of these token ids before anything else (OpenAI's {@code logit_bias};
 *                          -100 bans a token, +100 forces it)
 * @param logprobs          -1: no log-probabilities; k &gt;= 0: the sampler records each chosen token's
 *                          log-probability and the k most likely alternatives (OpenAI's {@code top_logprobs})
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
        boolean stopAtEos,
        float presencePenalty,
        float frequencyPenalty,
        Map<Integer, Float> logitBias,
        int logprobs) {

    /** The most alternatives {@link #logprobs} may ask for (OpenAI's limit). */
    public static final int MAX_TOP_LOGPROBS = 20;

    public GenerationConfig {
        if (maxTokens < 0) throw new IllegalArgumentException("max tokens must be >= 0, got " + maxTokens);
        if (temperature < 0 || Float.isNaN(temperature)) throw new IllegalArgumentException("temperature must be >= 0, got " + temperature);
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0 && minP < 1)) throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        if (!(repetitionPenalty > 0)) throw new IllegalArgumentException("repetition penalty must be > 0, got " + repetitionPenalty);
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (!(presencePenalty >= -2 && presencePenalty <= 2)) throw new IllegalArgumentException("presence penalty must be in [-2, 2], got " + presencePenalty);
        if (!(frequencyPenalty >= -2 && frequencyPenalty <= 2)) throw new IllegalArgumentException("frequency penalty must be in [-2, 2], got " + frequencyPenalty);
        TreeMap<Integer, Float> bias = new TreeMap<>();
        if (logitBias != null) {
            for (Map.Entry<Integer, Float> e : logitBias.entrySet()) {
                if (e.getKey() == null || e.getKey() < 0) throw new IllegalArgumentException("logit bias: token id " + e.getKey() + " is not a token id");
                Float b = e.getValue();
                if (b == null || !(b >= -100 && b <= 100)) throw new IllegalArgumentException("logit bias of token " + e.getKey() + " must be in [-100, 100], got " + b);
                bias.put(e.getKey(), b);
            }
        }
        logitBias = java.util.Collections.unmodifiableMap(bias);
        if (logprobs < -1 || logprobs > MAX_TOP_LOGPROBS) throw new IllegalArgumentException("top logprobs must be in [0, " + MAX_TOP_LOGPROBS + "], got " + logprobs);
    }

    /** The configuration without presence/frequency penalties, logit bias or log-probabilities. */
    public GenerationConfig(int maxTokens, float temperature, int topK, float topP, float minP, float repetitionPenalty,
                            int repeatLastN, long seed, List<String> stop, boolean stopAtEos) {
        this(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, 0f, 0f, Map.of(), -1);
    }

    /** Greedy decoding of up to {@code maxTokens} tokens, stopping at EOS. */
    public static GenerationConfig greedy(int maxTokens) {
        return new GenerationConfig(maxTokens, 0f, 0, 1f, 0f, 1f, 64, 0, List.of(), true);
    }

    /** Sampling with llama.cpp's defaults (top-k 40, top-p 0.95, min-p 0.05). */
    public static GenerationConfig sampled(int maxTokens, float temperature, long seed) {
        return new GenerationConfig(maxTokens, temperature, 40, 0.95f, 0.05f, 1f, 64, seed, List.of(), true);
    }

    public GenerationConfig withMaxTokens(int n) { return new GenerationConfig(n, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withTemperature(float t) { return new GenerationConfig(maxTokens, t, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withTopK(int k) { return new GenerationConfig(maxTokens, temperature, k, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withTopP(float p) { return new GenerationConfig(maxTokens, temperature, topK, p, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withMinP(float p) { return new GenerationConfig(maxTokens, temperature, topK, topP, p, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withRepetitionPenalty(float p) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, p, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withSeed(long s) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, s, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withStop(List<String> s) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, s, stopAtEos, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    public GenerationConfig withStopAtEos(boolean b) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, b, presencePenalty, frequencyPenalty, logitBias, logprobs); }
    /** OpenAI's presence and frequency penalties. */
    public GenerationConfig withPenalties(float presence, float frequency) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presence, frequency, logitBias, logprobs); }
    public GenerationConfig withLogitBias(Map<Integer, Float> bias) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, bias, logprobs); }
    /** Record log-probabilities with {@code top} alternatives per token (-1 = off). */
    public GenerationConfig withLogprobs(int top) { return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repetitionPenalty, repeatLastN, seed, stop, stopAtEos, presencePenalty, frequencyPenalty, logitBias, top); }
}
