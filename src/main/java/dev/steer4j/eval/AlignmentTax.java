package dev.steer4j.eval;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What steering costs on text that has nothing to do with the behaviour (the "alignment tax"): on a neutral corpus,
 * <ul>
 * <li>the perplexity of the steered model (and of the unsteered one, for reference);</li>
 * <li>the mean KL divergence {@code KL(steered || unsteered)} of the next-token distributions, in nats;</li>
 * <li>top-1 agreement: how often the steered and unsteered models predict the same next token.</li>
 * </ul>
 * The corpus is tokenised once and cut into windows of {@code window} tokens, each starting with BOS; every position
 * that has a next token counts. The unsteered log-probabilities are computed once and kept when they fit in
 * {@link #CACHE_FLOATS} floats (else they are recomputed next to each steered run).
 */
public final class AlignmentTax {
    /** The tax of one setting. */
    public record Result(int positions, double perplexity, double baselinePerplexity, double meanKl, double top1Agreement) {}

    /** Budget for the cached unsteered log-probabilities (256 MiB of floats). */
    static final long CACHE_FLOATS = 64L << 20;

    private final ForwardPass fp;
    private final int vocab;
    private final List<int[]> windows = new ArrayList<>();
    private final int positions;
    private float[][] baseline; // per window: log-probs, row i at i * vocab
    private double baselineNll;

    /**
     * @param maxTokens use at most this many corpus tokens (0: all)
     */
    public AlignmentTax(ForwardPass fp, String corpus, int window, int maxTokens) {
        this.fp = fp;
        Model model = fp.model();
        this.vocab = model.config().vocabSize();
        int w = Math.min(window <= 0 ? 128 : window, model.config().contextLength());
        if (w < 2) throw new IllegalArgumentException("the tax window must hold at least 2 tokens, got " + w);
        var tok = model.tokenizer();
        int[] all = tok.encode(corpus, false, false);
        if (maxTokens > 0 && all.length > maxTokens) all = Arrays.copyOf(all, maxTokens);
        boolean bos = tok.bos() >= 0 && tok.addBosByDefault();
        int body = bos ? w - 1 : w;
        int n = 0;
        for (int from = 0; from < all.length; from += body) {
            int len = Math.min(body, all.length - from);
            int[] win = new int[len + (bos ? 1 : 0)];
            if (bos) win[0] = tok.bos();
            System.arraycopy(all, from, win, bos ? 1 : 0, len);
            if (win.length < 2) continue;
            windows.add(win);
            n += win.length - 1;
        }
        if (n == 0) throw new IllegalArgumentException("the neutral corpus is too short: it gives " + all.length + " tokens; at least 2 are needed");
        this.positions = n;
        computeBaseline();
    }

    /** The small neutral corpus that ships with steer4j (TinyStories-style text written for this project). */
    public static String defaultCorpus() {
        try (InputStream in = AlignmentTax.class.getClassLoader().getResourceAsStream("steer4j/data/neutral.txt")) {
            if (in == null) throw new IllegalStateException("missing resource steer4j/data/neutral.txt");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int positions() { return positions; }
    public int windows() { return windows.size(); }

    private void computeBaseline() {
        boolean cache = (long) positions * vocab + (long) windows.size() * vocab <= CACHE_FLOATS;
        if (cache) baseline = new float[windows.size()][];
        double nll = 0;
        for (int w = 0; w < windows.size(); w++) {
            int[] win = windows.get(w);
            float[] lp = logProbs(Steering.none(), win);
            for (int i = 0; i + 1 < win.length; i++) nll -= lp[i * vocab + win[i + 1]];
            if (cache) baseline[w] = lp;
        }
        baselineNll = nll;
    }

    /** Log-softmax of every row of the window's logits (row i at i * vocab). */
    private float[] logProbs(Steering steering, int[] win) {
        SequenceState seq = new SequenceState(fp.model(), win.length);
        seq.setPromptLength(win.length);
        float[] out = new float[win.length * vocab];
        try (Steering.Applied a = steering.applyTo(seq)) {
            for (int from = 0; from < win.length; from += ForwardPass.PREFILL_CHUNK) {
                int n = Math.min(ForwardPass.PREFILL_CHUNK, win.length - from);
                float[] logits = fp.forward(seq, Arrays.copyOfRange(win, from, from + n), true);
                System.arraycopy(logits, 0, out, from * vocab, n * vocab);
            }
        }
        for (int r = 0; r < win.length; r++) {
            int off = r * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < vocab; i++) max = Math.max(max, out[off + i]);
            double s = 0;
            for (int i = 0; i < vocab; i++) s += Math.exp(out[off + i] - max);
            double lse = max + Math.log(s);
            for (int i = 0; i < vocab; i++) out[off + i] = (float) (out[off + i] - lse);
        }
        return out;
    }

    /** Measures the tax of {@code steering}. */
    public Result measure(Steering steering) {
        double nll = 0, kl = 0;
        long agree = 0;
        for (int w = 0; w < windows.size(); w++) {
            int[] win = windows.get(w);
            float[] base = baseline != null ? baseline[w] : logProbs(Steering.none(), win);
            float[] st = logProbs(steering, win);
            for (int i = 0; i + 1 < win.length; i++) {
                int off = i * vocab;
                nll -= st[off + win[i + 1]];
                double k = 0;
                int amS = 0, amB = 0;
                for (int v = 0; v < vocab; v++) {
                    double ls = st[off + v], lb = base[off + v];
                    if (ls != lb) k += Math.exp(ls) * (ls - lb);
                    if (st[off + v] > st[off + amS]) amS = v;
                    if (base[off + v] > base[off + amB]) amB = v;
                }
                kl += Math.max(0, k);
                if (amS == amB) agree++;
            }
        }
        return new Result(positions, Math.exp(nll / positions), Math.exp(baselineNll / positions), kl / positions, agree / (double) positions);
    }
}
