package dev.steer4j.read;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookRegistry;
import dev.steer4j.runtime.SequenceState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Activation patching (causal tracing) as in TransformerLens: run a corrupted prompt, replace the activation at one
 * hook point and one position with the one from a clean run, and measure how much of the clean behaviour comes back,
 * as the logit difference {@code logit(target) − logit(distractor)} at the last position.
 * <p>The two prompts must have the same number of tokens, so that positions line up.
 */
public final class ActivationPatching {
    /**
     * A full scan.
     *
     * @param patched {@code patched[i][p]}: the logit difference with {@code points[i]} patched at position p
     */
    public record Result(int[] cleanTokens, int[] corruptedTokens, String[] cleanPieces, String[] corruptedPieces,
                         TokenScore target, TokenScore distractor, double cleanDiff, double corruptedDiff,
                         List<HookPoint> points, double[][] patched) {
        /**
         * The share of the clean-vs-corrupted difference that patching restores: 0 = corrupted, 1 = clean
         * (NaN when the two runs have the same difference).
         */
        public double normalized(int point, int position) {
            double gap = cleanDiff - corruptedDiff;
            return gap == 0 ? Double.NaN : (patched[point][position] - corruptedDiff) / gap;
        }
    }

    private ActivationPatching() {}

    /** Checks that the prompts can be patched onto each other and fit the model. */
    public static void checkPrompts(Model model, int[] clean, int[] corrupted) {
        if (clean.length != corrupted.length)
            throw new IllegalArgumentException("the clean prompt has " + clean.length + " tokens but the corrupted prompt has " + corrupted.length
                    + "; activation patching needs prompts of equal token length (tokens: clean " + Arrays.toString(clean) + ", corrupted " + Arrays.toString(corrupted) + ")");
        if (clean.length == 0) throw new IllegalArgumentException("the prompts give no tokens");
        if (clean.length > model.config().contextLength())
            throw new IllegalArgumentException("the prompts have " + clean.length + " tokens but the model's context is " + model.config().contextLength());
    }

    /**
     * Runs {@code corrupted} with the rows at {@code patches} (hook point → positions) replaced by the rows of the
     * clean cache. Returns the logits of every position (row i at i × vocab).
     */
    public static float[] runPatched(ForwardPass fp, int[] corrupted, ActivationCache clean, Map<HookPoint, int[]> patches) {
        checkPrompts(fp.model(), clean.tokens(), corrupted);
        SequenceState seq = new SequenceState(fp.model(), corrupted.length);
        List<HookRegistry.Registration> regs = new ArrayList<>();
        try {
            for (var e : patches.entrySet()) {
                float[][] rows = clean.get(e.getKey());
                boolean[] at = new boolean[corrupted.length];
                for (int p : e.getValue()) {
                    if (p < 0 || p >= corrupted.length)
                        throw new IllegalArgumentException("position " + p + " is outside the prompt (0-" + (corrupted.length - 1) + ")");
                    at[p] = true;
                }
                regs.add(seq.hooks().add(e.getKey(), a -> {
                    for (int r = 0; r < a.rows(); r++) {
                        int pos = a.position(r);
                        if (pos < at.length && at[pos]) System.arraycopy(rows[pos], 0, a.data(), a.offset(r), a.width());
                    }
                }));
            }
            return ActivationCache.run(fp, seq, corrupted, List.of(), true).logits();
        } finally {
            for (var r : regs) r.close();
        }
    }

    /**
     * Patches every point of {@code points} at every position, one (point, position) at a time. Positions before the
     * patched one are the same as in the corrupted run, so they are computed once and kept in the KV cache.
     */
    public static Result scan(ForwardPass fp, int[] clean, int[] corrupted, List<HookPoint> points, int target, int distractor, Progress progress) {
        Model model = fp.model();
        checkPrompts(model, clean, corrupted);
        int vocab = model.config().vocabSize();
        for (int t : new int[]{target, distractor})
            if (t < 0 || t >= vocab) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0-" + (vocab - 1) + ")");
        if (target == distractor) throw new IllegalArgumentException("the target and distractor are the same token (" + target + ")");
        for (HookPoint p : points) p.checkLayer(model.config().layers());
        int n = corrupted.length;
        ActivationCache cleanCache = ActivationCache.run(fp, clean, points);
        float[] cl = cleanCache.logits();
        float[] co = ActivationCache.run(fp, corrupted, List.of()).logits();
        double cleanDiff = cl[target] - cl[distractor];
        double corruptedDiff = co[target] - co[distractor];

        double[][] patched = new double[points.size()][n];
        SequenceState seq = new SequenceState(model, n);
        seq.setPromptLength(n);
        long done = 0;
        long total = (long) n * points.size();
        for (int p = 0; p < n; p++) {
            int[] rest = Arrays.copyOfRange(corrupted, p, n);
            for (int i = 0; i < points.size(); i++) {
                HookPoint point = points.get(i);
                float[] row = cleanCache.get(point)[p];
                final int pos = p;
                try (HookRegistry.Registration reg = seq.hooks().add(point, a -> {
                    for (int r = 0; r < a.rows(); r++)
                        if (a.position(r) == pos) System.arraycopy(row, 0, a.data(), a.offset(r), a.width());
                })) {
                    float[] logits = fp.forward(seq, rest, false);
                    patched[i][p] = logits[target] - logits[distractor];
                }
                seq.truncate(p);
                progress.update(++done, total, point.name() + " @ " + p);
            }
            fp.forward(seq, new int[]{corrupted[p]}, false); // extend the unpatched corrupted prefix by one token
        }
        var tok = model.tokenizer();
        String[] cp = new String[n], kp = new String[n];
        for (int i = 0; i < n; i++) {
            cp[i] = Tokens.text(tok, clean[i]);
            kp[i] = Tokens.text(tok, corrupted[i]);
        }
        return new Result(clean.clone(), corrupted.clone(), cp, kp,
                new TokenScore(target, Tokens.text(tok, target), cl[target]), new TokenScore(distractor, Tokens.text(tok, distractor), cl[distractor]),
                cleanDiff, corruptedDiff, List.copyOf(points), patched);
    }
}
