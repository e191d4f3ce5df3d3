package dev.steer4j.runtime;

/**
 * The outcome of one generation.
 *
 * @param promptTokens    the prompt as tokenised (with BOS when added)
 * @param tokens          the generated tokens (an end-of-generation token is not included)
 * @param text            the generated text, cut before any stop string
 * @param prefillNanos    time spent on the prompt
 * @param decodeNanos     time spent generating
 * @param logprobs        one entry per generated token when {@link GenerationConfig#logprobs()} asked for them, else empty
 */
public record GenerationResult(int[] promptTokens, int[] tokens, String text, FinishReason finishReason,
                               long prefillNanos, long decodeNanos, java.util.List<TokenLogprob> logprobs) {
    public GenerationResult {
        logprobs = logprobs == null ? java.util.List.of() : java.util.List.copyOf(logprobs);
    }

    /** A result without log-probabilities. */
    public GenerationResult(int[] promptTokens, int[] tokens, String text, FinishReason finishReason,
                            long prefillNanos, long decodeNanos) {
        this(promptTokens, tokens, text, finishReason, prefillNanos, decodeNanos, java.util.List.of());
    }

    public double prefillTokensPerSecond() { return promptTokens.length / Math.max(1e-9, prefillNanos / 1e9); }
    public double decodeTokensPerSecond() { return tokens.length / Math.max(1e-9, decodeNanos / 1e9); }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "GenerationResult[%d prompt tokens, %d generated, finish %s, %.1f tok/s, text \"%s\"]",
                promptTokens.length, tokens.length, finishReason.apiName(), decodeTokensPerSecond(),
                text.length() > 60 ? text.substring(0, 57) + "..." : text);
    }
}
