package dev.steer4j.runtime;

/**
 * A rule on which tokens may come next, applied by the {@link Sampler} before it chooses: {@link #mask} sets the
 * logits of the tokens the rule forbids to negative infinity, {@link #accept} moves the rule past the chosen token,
 * and {@link #complete} says that the output is finished (the caller stops generating). One constraint serves one
 * sequence.
 */
public interface TokenConstraint {
    /**
     * Forbids tokens by setting {@code logits[t]} to negative infinity for {@code t < vocab}.
     *
     * @param remaining how many tokens may still be generated, this one included; a constraint that must finish its
     *                  output in time (such as a JSON value) uses it to close what is open
     */
    void mask(float[] logits, int vocab, int remaining);

    /** The chosen token, which {@link #mask} allowed. */
    void accept(int token);

    /** True once the output is a finished whole; no token should follow. */
    boolean complete();
}
