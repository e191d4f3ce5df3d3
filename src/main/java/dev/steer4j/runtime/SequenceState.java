package dev.steer4j.runtime;

import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;

import java.util.Arrays;

/**
 * Everything that changes while one sequence runs: its KV cache, its position, the tokens it has seen, its hooks,
 * and the scratch buffers of single-sequence forward passes. The shared {@link Model} is never written, so any
 * number of differently hooked sequences can run on one model at once.
 */
public final class SequenceState {
    private final Model model;
    private final ModelConfig config;
    private final HookRegistry hooks;
    private final int maxTokens;
    private float[][] keys;   // [layer][position * kvDim]
    private float[][] values; // [layer][position * kvDim]
    private int capacity;
    private int position;
    private int promptLength;
    private int[] tokens = new int[64];
    private Workspace workspace;

    /** A sequence bounded by the model's context length. */
    public SequenceState(Model model) {
        this(model, model.config().contextLength());
    }

    /** A sequence that may hold at most {@code maxTokens} tokens (capped by the context length). */
    public SequenceState(Model model, int maxTokens) {
        this.model = model;
        this.config = model.config();
        this.hooks = new HookRegistry(config.layers());
        this.maxTokens = Math.min(maxTokens, config.contextLength());
        this.keys = new float[config.layers()][];
        this.values = new float[config.layers()][];
        grow(Math.min(this.maxTokens, 256));
    }

    public Model model() { return model; }
    public HookRegistry hooks() { return hooks; }
    /** Number of tokens in the KV cache; the next token gets this position. */
    public int position() { return position; }
    public int maxTokens() { return maxTokens; }
    /** Number of leading tokens that belong to the prompt (positions before it were not generated). */
    public int promptLength() { return promptLength; }
    public void setPromptLength(int n) { this.promptLength = n; }

    /** The tokens in the cache, in order. */
    public int[] tokens() { return Arrays.copyOf(tokens, position); }
    public int token(int i) { return tokens[i]; }

    /** The cache's token buffer itself (valid up to {@link #position()}), for the decode loop: no copy per step. */
    int[] tokenBuffer() { return tokens; }

    /** Forgets the cache (hooks stay). */
    public void reset() {
        position = 0;
        promptLength = 0;
    }

    /** Drops every token at or after {@code newPosition}. */
    public void truncate(int newPosition) {
        if (newPosition < 0 || newPosition > position) throw new IllegalArgumentException("cannot truncate to " + newPosition + " of " + position);
        position = newPosition;
        promptLength = Math.min(promptLength, newPosition);
    }

    float[] keys(int layer) { return keys[layer]; }
    float[] values(int layer) { return values[layer]; }

    /** Makes room for {@code n} more tokens; grows the cache geometrically so decode never allocates. */
    void reserve(int n) {
        int need = position + n;
        if (need > maxTokens) throw new ContextOverflowException(position, n, maxTokens);
        if (need > capacity) grow(Math.min(maxTokens, Math.max(need, capacity * 2)));
        if (need > tokens.length) tokens = Arrays.copyOf(tokens, Math.max(need, tokens.length * 2));
    }

    void advance(int[] src, int from, int n) {
        System.arraycopy(src, from, tokens, position, n);
        position += n;
    }

    private void grow(int newCapacity) {
        int kvDim = config.kvDim();
        for (int l = 0; l < config.layers(); l++) {
            keys[l] = keys[l] == null ? new float[newCapacity * kvDim] : Arrays.copyOf(keys[l], newCapacity * kvDim);
            values[l] = values[l] == null ? new float[newCapacity * kvDim] : Arrays.copyOf(values[l], newCapacity * kvDim);
        }
        capacity = newCapacity;
        // the token history grows with the cache, so a decode step within the cache's capacity allocates nothing
        if (tokens.length < newCapacity) tokens = Arrays.copyOf(tokens, newCapacity);
    }

    Workspace workspace() {
        if (workspace == null) workspace = new Workspace(config);
        return workspace;
    }

    /** For example {@code SequenceState[12 of 2048 tokens, prompt 5, 2 hooks]}. */
    @Override
    public String toString() {
        return "SequenceState[" + position + " of " + maxTokens + " tokens, prompt " + promptLength + ", " + hooks.toString().replace("HookRegistry[", "").replace("]", "") + "]";
    }
}
