package dev.steer4j.runtime;

import dev.steer4j.tokenizer.Tokenizer;

/**
 * Constrained decoding to one JSON object (OpenAI's {@code response_format: {"type": "json_object"}}): at each step
 * every token of the vocabulary is tried on a copy of the {@link JsonPrefix} automaton, and the tokens whose bytes
 * cannot continue valid JSON are masked out; once the object is closed the output is {@link #complete}. Special
 * tokens (end of generation included) never pass, so the model cannot stop half-way.
 *
 * <p>The output also finishes within the token budget: a token is allowed only when what is still open can be
 * closed in the tokens left after it (one byte per token, {@link JsonPrefix#closeCost}), so near the limit the
 * constraint steers towards the closing quotes and brackets instead of being cut off by {@code max_tokens}. That
 * needs single-byte tokens for JSON's punctuation, which byte-level and byte-fallback vocabularies have; where a
 * vocabulary lacks them the budget is not enforced for that step.
 */
public final class JsonConstraint implements TokenConstraint {
    private final byte[][] bytes;
    /** At most one blank between JSON's tokens: valid JSON allows more, but a small model would pad with them. */
    private final JsonPrefix state = new JsonPrefix(true, 1), scratch = new JsonPrefix(true, 1);
    private final int[] cost;

    private JsonConstraint(byte[][] bytes) {
        this.bytes = bytes;
        this.cost = new int[bytes.length];
    }

    /** A constraint to one JSON object over the tokenizer's vocabulary. */
    public static JsonConstraint object(Tokenizer tokenizer) {
        int n = tokenizer.vocabSize();
        byte[][] b = new byte[n][];
        for (int t = 0; t < n; t++) {
            byte[] x = tokenizer.tokenBytes(t);
            b[t] = x == null || x.length == 0 ? null : x;
        }
        return new JsonConstraint(b);
    }

    @Override
    public void mask(float[] logits, int vocab, int remaining) {
        int n = Math.min(vocab, bytes.length);
        boolean inBudget = false;
        for (int t = 0; t < n; t++) {
            cost[t] = -1;
            if (bytes[t] == null || logits[t] == Float.NEGATIVE_INFINITY) continue;
            scratch.copyFrom(state);
            if (!scratch.feed(bytes[t])) continue;
            cost[t] = scratch.closeCost();
            if (cost[t] <= remaining - 1) inBudget = true;
        }
        int limit = inBudget ? remaining - 1 : Integer.MAX_VALUE;
        for (int t = 0; t < vocab; t++)
            if (t >= n || cost[t] < 0 || cost[t] > limit) logits[t] = Float.NEGATIVE_INFINITY;
    }

    @Override
    public void accept(int token) {
        if (token < 0 || token >= bytes.length || bytes[token] == null || !state.feed(bytes[token]))
            throw new IllegalStateException("token " + token + " does not continue the JSON output (the sampler chose a masked token)");
    }

    @Override
    public boolean complete() {
        return state.complete();
    }
}
