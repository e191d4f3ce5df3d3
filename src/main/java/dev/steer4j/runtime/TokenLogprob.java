package dev.steer4j.runtime;

import java.util.List;

/**
 * The log-probability of one chosen token and of the most likely alternatives at that step, from the distribution the
 * sampler saw (the model's logits after logit bias and penalties, before temperature and truncation), as OpenAI's
 * {@code logprobs} reports them.
 *
 * @param token   the chosen token id
 * @param logprob its natural-log probability
 * @param top     the most likely tokens at this step, most likely first (empty when none were asked for)
 */
public record TokenLogprob(int token, double logprob, List<Alternative> top) {
    public TokenLogprob {
        top = List.copyOf(top);
    }

    /** One alternative: a token id and its natural-log probability. */
    public record Alternative(int token, double logprob) {
        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%d:%.4f", token, logprob);
        }
    }

    @Override
    public String toString() {
        return String.format(java.util.Locale.ROOT, "TokenLogprob[token %d, logprob %.4f, top %s]", token, logprob, top);
    }
}
