package dev.steer4j.runtime;

/**
 * The outcome of one generation.
 *
 * @param promptTokens    the prompt as tokenised (with BOS when added)
 * @param tokens          the generated tokens (an end-of-generation token is not included)
 * @param text            the generated text, cut before any stop string
 * @param prefillNanos    time spent on the prompt
 * @param decodeNanos     time spent generating
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, FinishReason finishReason,
                               long prefillNanos, long decodeNanos) {
    public double prefillTokensPerSecond() { return promptTokens.length / Math.max(1e-9, prefillNanos / 1e9); }
    public double decodeTokensPerSecond() { return tokens.length / Math.max(1e-9, decodeNanos / 1e9); }
}
