package dev.steer4j.runtime;

import dev.steer4j.model.Model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a prompt once and keeps the activations at the chosen hook points for every position, like TransformerLens's
 * {@code run_with_cache}. Hooks already on the sequence (for example steering) run first, so a steered run can be
 * cached too.
 */
public final class ActivationCache {
    private final Map<HookPoint, float[][]> values;
    private final float[] logits;
    private final int[] tokens;

    private ActivationCache(Map<HookPoint, float[][]> values, float[] logits, int[] tokens) {
        this.values = values;
        this.logits = logits;
        this.tokens = tokens;
    }

    /** Runs {@code tokens} through a fresh sequence and caches {@code points}. */
    public static ActivationCache run(ForwardPass fp, int[] tokens, List<HookPoint> points) {
        return run(fp, new SequenceState(fp.model()), tokens, points, false);
    }

    /**
     * Appends {@code tokens} to {@code seq} and caches {@code points} for those rows (row i = the i-th new token).
     *
     * @param allLogits keep the logits of every row, else only the last
     */
    public static ActivationCache run(ForwardPass fp, SequenceState seq, int[] tokens, List<HookPoint> points, boolean allLogits) {
        Model model = fp.model();
        int start = seq.position();
        Map<HookPoint, float[][]> values = new LinkedHashMap<>();
        List<HookRegistry.Registration> regs = new java.util.ArrayList<>();
        try {
            for (HookPoint p : points) {
                p.checkLayer(model.config().layers());
                float[][] rows = new float[tokens.length][];
                values.put(p, rows);
                regs.add(seq.hooks().add(p, a -> {
                    for (int r = 0; r < a.rows(); r++) rows[a.position(r) - start] = a.copyRow(r);
                }));
            }
            seq.setPromptLength(start + tokens.length);
            float[] logits = null;
            int vocab = model.config().vocabSize();
            float[] all = allLogits ? new float[tokens.length * vocab] : null;
            for (int from = 0; from < tokens.length; from += ForwardPass.PREFILL_CHUNK) {
                int count = Math.min(ForwardPass.PREFILL_CHUNK, tokens.length - from);
                logits = fp.forward(seq, java.util.Arrays.copyOfRange(tokens, from, from + count), allLogits);
                if (allLogits) System.arraycopy(logits, 0, all, from * vocab, count * vocab);
            }
            float[] kept = allLogits ? all : java.util.Arrays.copyOf(logits, vocab);
            return new ActivationCache(values, kept, tokens.clone());
        } finally {
            for (HookRegistry.Registration r : regs) r.close();
        }
    }

    /** Rows (one per token) at a hook point. */
    public float[][] get(HookPoint p) {
        float[][] v = values.get(p);
        if (v == null) throw new IllegalArgumentException("hook point " + p + " was not cached (cached: " + values.keySet() + ")");
        return v;
    }

    public float[][] get(String hookName) { return get(HookPoint.parse(hookName)); }

    public Map<HookPoint, float[][]> all() { return values; }

    /** Logits: every row (row i at i × vocab) when run with allLogits, else the last row. */
    public float[] logits() { return logits; }

    public int[] tokens() { return tokens; }
}
