package dev.steer4j.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Picks the next token from a logits row. First logit bias, repetition penalty and OpenAI's presence and frequency
 * penalties (over the tokens this sampler has chosen so far); then greedy when the temperature is 0, otherwise
 * top-k, top-p, min-p and temperature, then a draw from a {@link SplittableRandom} seeded by the config, so equal
 * seeds give equal runs. With {@link GenerationConfig#logprobs()} set it records each chosen token's log-probability
 * ({@link #lastLogprob()}). Scratch arrays are allocated once per sampler; one sampler serves one sequence.
 */
public final class Sampler {
    private final GenerationConfig cfg;
    private final SplittableRandom random;
    private final int vocab;
    private final float[] work;
    private final int[] idx;
    /** How often each token was chosen by this sampler (for the presence and frequency penalties), or null. */
    private final int[] counts;
    private final int[] biasTokens;
    private final float[] biasValues;
    private TokenLogprob last;
    private TokenConstraint constraint;
    private int remaining = Integer.MAX_VALUE;

    /** @throws IllegalArgumentException when a logit-bias token id is outside the vocabulary */
    public Sampler(GenerationConfig cfg, int vocab) {
        this.cfg = cfg;
        this.vocab = vocab;
        this.random = new SplittableRandom(cfg.seed());
        this.work = new float[vocab];
        this.idx = new int[vocab];
        this.counts = cfg.presencePenalty() != 0f || cfg.frequencyPenalty() != 0f ? new int[vocab] : null;
        this.biasTokens = new int[cfg.logitBias().size()];
        this.biasValues = new float[biasTokens.length];
        int i = 0;
        for (Map.Entry<Integer, Float> e : cfg.logitBias().entrySet()) {
            if (e.getKey() >= vocab)
                throw new IllegalArgumentException("logit bias: token id " + e.getKey() + " is outside the vocabulary (0-" + (vocab - 1) + ")");
            biasTokens[i] = e.getKey();
            biasValues[i++] = e.getValue();
        }
    }

    /**
     * Masks every draw with {@code c} (applied last, after bias and penalties) and moves it past each chosen token;
     * null removes it. The caller stops when {@link TokenConstraint#complete()}.
     */
    public void constrain(TokenConstraint c) { this.constraint = c; }

    /** How many tokens may still be generated, this one included (what the constraint closes its output within). */
    public void remaining(int tokens) { this.remaining = tokens; }

    /** The chosen token's log-probability and alternatives from the last {@link #sample} call; null when off. */
    public TokenLogprob lastLogprob() { return last; }

    /**
     * @param history recently seen tokens (prompt and generated), for the repetition penalty
     * @param historyLen number of valid entries in history
     */
    public int sample(float[] logits, int off, int[] history, int historyLen) {
        int token = choose(logits, off, history, historyLen);
        if (constraint != null) constraint.accept(token);
        if (counts != null) counts[token]++;
        if (cfg.logprobs() >= 0) last = logprob(token);
        return token;
    }

    private int choose(float[] logits, int off, int[] history, int historyLen) {
        System.arraycopy(logits, off, work, 0, vocab);
        for (int i = 0; i < biasTokens.length; i++) work[biasTokens[i]] += biasValues[i];
        if (cfg.repetitionPenalty() != 1f && history != null) {
            int from = Math.max(0, historyLen - cfg.repeatLastN());
            for (int i = from; i < historyLen; i++) {
                int t = history[i];
                if (t < 0 || t >= vocab) continue;
                // Penalise each distinct token once.
                boolean seen = false;
                for (int j = from; j < i; j++) if (history[j] == t) { seen = true; break; }
                if (seen) continue;
                work[t] = work[t] > 0 ? work[t] / cfg.repetitionPenalty() : work[t] * cfg.repetitionPenalty();
            }
        }
        if (counts != null) {
            float presence = cfg.presencePenalty(), frequency = cfg.frequencyPenalty();
            for (int t = 0; t < vocab; t++) {
                if (counts[t] > 0) work[t] -= presence + frequency * counts[t];
            }
        }
        if (constraint != null) constraint.mask(work, vocab, remaining);
        if (cfg.temperature() <= 0f) return argmax(work, vocab);

        // Candidates sorted by logit, descending (partial sort is enough when top-k is set).
        int n = vocab;
        for (int i = 0; i < n; i++) idx[i] = i;
        int k = cfg.topK() > 0 ? Math.min(cfg.topK(), n) : n;
        partialSort(k, n);
        n = k;

        // Softmax over the candidates (before temperature, as llama.cpp's top-p/min-p see it).
        float max = work[idx[0]];
        double sum = 0;
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp(work[idx[i]] - max);
            sum += p[i];
        }
        for (int i = 0; i < n; i++) p[i] /= sum;
        if (cfg.topP() < 1f) {
            double cum = 0;
            int keep = n;
            for (int i = 0; i < n; i++) {
                cum += p[i];
                if (cum >= cfg.topP()) { keep = i + 1; break; }
            }
            n = Math.max(1, keep);
        }
        if (cfg.minP() > 0f) {
            double threshold = p[0] * cfg.minP();
            int keep = 1;
            while (keep < n && p[keep] >= threshold) keep++;
            n = keep;
        }
        // Temperature, then a draw.
        double tsum = 0;
        double[] q = new double[n];
        for (int i = 0; i < n; i++) {
            q[i] = Math.exp((work[idx[i]] - max) / cfg.temperature());
            tsum += q[i];
        }
        double r = random.nextDouble() * tsum;
        int lastPossible = idx[0];
        for (int i = 0; i < n; i++) {
            if (q[i] > 0) lastPossible = idx[i];
            r -= q[i];
            if (r <= 0 && q[i] > 0) return idx[i];
        }
        return lastPossible;
    }

    /** Log-softmax of the adjusted logits in {@code work} at {@code token}, and the top alternatives. */
    private TokenLogprob logprob(int token) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < vocab; i++) if (work[i] > max) max = work[i];
        double sum = 0;
        for (int i = 0; i < vocab; i++) sum += Math.exp(work[i] - max);
        double logZ = max + Math.log(sum);
        int k = Math.min(cfg.logprobs(), vocab);
        List<TokenLogprob.Alternative> top = new ArrayList<>(k);
        if (k > 0) {
            // work is intact here: choose() only reorders idx, never work.
            for (int i = 0; i < vocab; i++) idx[i] = i;
            partialSort(k, vocab);
            // tokens a constraint masked out are impossible, not alternatives
            for (int i = 0; i < k; i++)
                if (work[idx[i]] != Float.NEGATIVE_INFINITY) top.add(new TokenLogprob.Alternative(idx[i], work[idx[i]] - logZ));
        }
        return new TokenLogprob(token, work[token] - logZ, top);
    }

    public static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    /** Moves the k largest entries of work (by index array) to idx[0..k) in descending order. */
    private void partialSort(int k, int n) {
        if (k == n) {
            // Full sort; boxed-free insertion into a heap would be faster, but the vocabulary sort happens once per token.
            Integer[] boxed = new Integer[n];
            for (int i = 0; i < n; i++) boxed[i] = idx[i];
            java.util.Arrays.sort(boxed, (a, b) -> Float.compare(work[b], work[a]));
            for (int i = 0; i < n; i++) idx[i] = boxed[i];
            return;
        }
        // Selection of the top k by a min-heap of size k.
        int[] heap = new int[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            int t = idx[i];
            if (size < k) {
                heap[size] = t;
                siftUp(heap, size++);
            } else if (work[t] > work[heap[0]]) {
                heap[0] = t;
                siftDown(heap, 0, size);
            }
        }
        for (int i = size - 1; i >= 0; i--) {
            idx[i] = heap[0];
            heap[0] = heap[i];
            siftDown(heap, 0, i);
        }
    }

    private void siftUp(int[] h, int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (work[h[i]] < work[h[parent]]) { int t = h[i]; h[i] = h[parent]; h[parent] = t; i = parent; } else break;
        }
    }

    private void siftDown(int[] h, int i, int size) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, m = i;
            if (l < size && work[h[l]] < work[h[m]]) m = l;
            if (r < size && work[h[r]] < work[h[m]]) m = r;
            if (m == i) return;
            int t = h[i]; h[i] = h[m]; h[m] = t; i = m;
        }
    }
}
