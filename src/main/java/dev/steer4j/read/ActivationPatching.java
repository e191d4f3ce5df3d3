package dev.steer4j.read;

import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.Activations;
import dev.steer4j.runtime.HookSite;
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
                        if (pos < at.length && at[pos]) copyInto(rows[pos], a, r, 0, a.width());
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
                        if (a.position(r) == pos) copyInto(row, a, r, 0, a.width());
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

    /**
     * Copies columns [from, from + n) of a clean row into row r of the view. A pattern row of the clean run can be
     * shorter or longer than the patched run's (prefill chunks see fewer keys); keys past the query are 0 in both.
     */
    private static void copyInto(float[] clean, Activations a, int r, int from, int n) {
        int m = Math.max(0, Math.min(n, clean.length - from));
        System.arraycopy(clean, from, a.data(), a.offset(r) + from, m);
        if (m < n) Arrays.fill(a.data(), a.offset(r) + from + m, a.offset(r) + from + n, 0f);
    }

    /** Columns of head {@code head} in a row of a per-head site ({@code [offset, length]}). */
    static int[] headSlice(ModelConfig c, HookSite site, int head, int width) {
        int heads = switch (site) {
            case Q, Z, PATTERN -> c.heads();
            case K, V -> c.kvHeads();
            default -> throw new IllegalArgumentException(site.suffix + " has no heads (per-head sites: attn.hook_q, attn.hook_k, attn.hook_v, attn.hook_z, attn.hook_pattern)");
        };
        if (head < 0 || head >= heads) throw new IllegalArgumentException("head " + head + " does not exist at " + site.suffix + " (heads 0-" + (heads - 1) + ")");
        int w = width / heads;
        return new int[]{head * w, w};
    }

    /**
     * Runs {@code corrupted} with only head {@code head} of {@code point} (a per-head site such as
     * {@code blocks.L.attn.hook_z}) replaced by the clean run's, at {@code positions} (null = every position). Returns
     * the logits of every position (row i at i × vocab).
     */
    public static float[] runPatchedHead(ForwardPass fp, int[] corrupted, ActivationCache clean, HookPoint point, int head, int[] positions) {
        checkPrompts(fp.model(), clean.tokens(), corrupted);
        ModelConfig c = fp.model().config();
        headSlice(c, point.site(), head, headCount(c, point.site())); // checks the site and the head up front
        float[][] rows = clean.get(point);
        boolean[] at = new boolean[corrupted.length];
        if (positions == null) Arrays.fill(at, true);
        else for (int p : positions) {
            if (p < 0 || p >= corrupted.length) throw new IllegalArgumentException("position " + p + " is outside the prompt (0-" + (corrupted.length - 1) + ")");
            at[p] = true;
        }
        SequenceState seq = new SequenceState(fp.model(), corrupted.length);
        try (HookRegistry.Registration reg = patchHead(seq, point, head, rows, at)) {
            return ActivationCache.run(fp, seq, corrupted, List.of(), true).logits();
        }
    }

    /**
     * Registers on {@code seq} the hook that overwrites head {@code head} of {@code point} with {@code cleanRows}
     * (one row per position) at the positions where {@code at} is true; closing the registration removes it.
     */
    public static HookRegistry.Registration patchHead(SequenceState seq, HookPoint point, int head, float[][] cleanRows, boolean[] at) {
        ModelConfig c = seq.model().config();
        headSlice(c, point.site(), head, headCount(c, point.site()));
        return seq.hooks().add(point, a -> {
            int[] slice = headSlice(c, point.site(), head, a.width());
            for (int r = 0; r < a.rows(); r++) {
                int pos = a.position(r);
                if (pos < at.length && at[pos]) {
                    float[] row = cleanRows[pos];
                    int cleanOff = point.site() == HookSite.PATTERN ? head * (row.length / c.heads()) : slice[0];
                    int m = Math.max(0, Math.min(slice[1], row.length - cleanOff));
                    System.arraycopy(row, cleanOff, a.data(), a.offset(r) + slice[0], m);
                    if (m < slice[1]) Arrays.fill(a.data(), a.offset(r) + slice[0] + m, a.offset(r) + slice[0] + slice[1], 0f);
                }
            }
        });
    }

    private static int headCount(ModelConfig c, HookSite site) {
        return switch (site) {
            case K, V -> c.kvHeads();
            default -> c.heads();
        };
    }

    /**
     * Head-level patching over every layer, as TransformerLens's {@code get_act_patch_attn_head_out_all_pos}:
     * {@code result[L][h]} is the logit difference at the last position with head h of {@code site} (usually
     * {@code attn.hook_z}) at layer L patched from the clean run at every position.
     */
    public static double[][] scanHeads(ForwardPass fp, int[] clean, int[] corrupted, HookSite site, int target, int distractor, Progress progress) {
        Model model = fp.model();
        checkPrompts(model, clean, corrupted);
        ModelConfig c = model.config();
        int heads = headCount(c, site);
        headSlice(c, site, 0, heads); // checks that the site has heads
        List<HookPoint> points = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) points.add(HookPoint.of(site, l));
        ActivationCache cleanCache = ActivationCache.run(fp, clean, points);
        int vocab = c.vocabSize();
        int last = (corrupted.length - 1) * vocab;
        double[][] out = new double[c.layers()][heads];
        long done = 0;
        for (int l = 0; l < c.layers(); l++) {
            for (int h = 0; h < heads; h++) {
                float[] logits = runPatchedHead(fp, corrupted, cleanCache, points.get(l), h, null);
                out[l][h] = logits[last + target] - logits[last + distractor];
                progress.update(++done, (long) c.layers() * heads, points.get(l).name() + " head " + h);
            }
        }
        return out;
    }
}
