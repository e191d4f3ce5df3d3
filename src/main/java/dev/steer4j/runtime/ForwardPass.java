package dev.steer4j.runtime;

import dev.steer4j.model.Family;
import dev.steer4j.model.LayerWeights;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.tensor.ActivationMode;
import dev.steer4j.tensor.ThreadPool;
import dev.steer4j.tensor.VectorMath;
import dev.steer4j.tensor.WeightMatrix;

import java.util.List;

/**
 * The transformer forward pass, top to bottom, over a {@link Batch} of sequences, for every {@link Family}. Matrix
 * products run once over all rows of the batch (weights are read once per step); attention runs per sequence against
 * its own KV cache. Hooks run at every {@link HookSite} for the sequences that registered them; a site nobody hooked
 * costs one null check.
 *
 * <pre>
 * x = embed(tokens) [+ position_embd] [× √n_embd]                       hook_embed
 * for each block L:                                                     blocks.L.hook_resid_pre
 *     n = norm(x)                                       (RMSNorm, or LayerNorm with bias)
 *     q, k, v = Wq·n, Wk·n, Wv·n [+ biases] [q/k norms] attn.hook_q, attn.hook_k, attn.hook_v
 *     p = softmax(mask_window(softcap(scale · rope(q)·rope(k))))           attn.hook_pattern
 *     z = p · v                                                           attn.hook_z
 *     a = [post_norm](Wo·z [+ bo])                                        blocks.L.hook_attn_out
 *     x = x + a                                                           blocks.L.hook_resid_mid
 *     h = act(Wgate·norm(x)) * (Wup·norm(x))   (SwiGLU, GeGLU; GELU(Wup·n + b) ungated)   mlp.hook_post
 *     m = [post_norm](Wdown·h [+ b])                                      blocks.L.hook_mlp_out
 *     x = x + m                                                           blocks.L.hook_resid_post
 * n = norm(x)                                                           ln_final.hook_normalized
 * logits = [softcap](Wout · n)
 * </pre>
 */
public final class ForwardPass {
    /** Prompt rows per prefill step; bounds the scratch memory of long prompts. */
    public static final int PREFILL_CHUNK = 256;

    private final Model model;
    private final ModelConfig c;
    private final Family family;
    private final ThreadPool pool;
    private final ActivationMode activations;
    private final boolean halfSplitRope;
    /** RoPE inverse frequencies per layer (layers share arrays). */
    private final float[][] invFreq;
    private final int contextSize;
    private final ThreadLocal<float[]> scoreBuffers = ThreadLocal.withInitial(() -> new float[256]);
    /** Hook points by site and layer + 1, so that running hooks allocates nothing. */
    private final HookPoint[][] points;

    public ForwardPass(Model model) {
        this(model, ThreadPool.shared());
    }

    public ForwardPass(Model model, ThreadPool pool) {
        this(model, pool, ActivationMode.fromSystemProperty());
    }

    /**
     * @param activations {@link ActivationMode#FLOAT} (exact float activations, the default) or
     *                    {@link ActivationMode#INT8} (llama.cpp's int8-quantised activations for quantised weights)
     */
    public ForwardPass(Model model, ThreadPool pool, ActivationMode activations) {
        this(model, pool, activations, model.config().contextLength());
    }

    /**
     * @param contextSize the context this pass is run with, as llama.cpp's {@code n_ctx}: it only selects Phi-3's
     *                    long RoPE factors (when larger than {@code rope.scaling.original_context_length}) or short
     *                    ones; every sequence of one pass uses the same
     */
    public ForwardPass(Model model, ThreadPool pool, ActivationMode activations, int contextSize) {
        this.model = model;
        this.contextSize = contextSize;
        this.c = model.config();
        this.family = c.family();
        this.pool = pool;
        this.activations = activations;
        this.halfSplitRope = family.positions() == Family.Positions.ROPE_NEOX;
        this.invFreq = new float[c.layers()][];
        float[] factors = usesLongFactors() ? c.ropeFreqFactorsLong() : c.ropeFreqFactors();
        java.util.Map<Float, float[]> byBase = new java.util.HashMap<>();
        for (int l = 0; l < c.layers(); l++) invFreq[l] = byBase.computeIfAbsent(c.ropeTheta(l), base -> inverseFrequencies(base, factors));
        this.points = new HookPoint[HookSite.values().length][c.layers() + 1];
        for (HookSite site : HookSite.values())
            for (int l = -1; l < c.layers(); l++) points[site.ordinal()][l + 1] = HookPoint.of(site, site.perLayer ? Math.max(l, 0) : -1);
    }

    private float[] inverseFrequencies(float base, float[] factors) {
        int half = c.headDim() / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            double f = Math.pow(base, -2.0 * i / c.headDim()) * c.ropeFreqScale();
            if (factors != null) f /= factors[i];
            inv[i] = (float) f;
        }
        return inv;
    }

    public Model model() { return model; }
    public ThreadPool pool() { return pool; }
    public ActivationMode activations() { return activations; }
    public int contextSize() { return contextSize; }

    /** Phi-3's choice, as llama.cpp makes it: the long RoPE factors when the context exceeds the original one. */
    public boolean usesLongFactors() {
        return c.ropeFreqFactorsLong() != null && contextSize > c.ropeOriginalContext();
    }

    /**
     * Appends {@code tokens} to one sequence and returns the logits: one row per token when {@code allLogits},
     * else the last row only. The returned array is the sequence's workspace buffer (row i at i * vocab), valid
     * until the next call on that sequence.
     */
    public float[] forward(SequenceState seq, int[] tokens, boolean allLogits) {
        Workspace ws = seq.workspace();
        ws.single.set(seq, tokens, 0, tokens.length, allLogits);
        try {
            forward(ws.single, ws);
        } finally {
            ws.single.clear();
        }
        return ws.logits;
    }

    /** Runs one step for every entry of the batch; logits land in {@code ws.logits()} at each entry's rows. */
    public void forward(Batch batch, Workspace ws) {
        List<Batch.Entry> entries = batch.entries();
        int rows = 0;
        int logitRows = 0;
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            e.sequence.reserve(e.count);
            for (int i = 0; i < e.count; i++) {
                int t = e.tokens[e.from + i];
                if (t < 0 || t >= c.vocabSize()) throw new IllegalArgumentException("token id " + t + " is outside the vocabulary (0-" + (c.vocabSize() - 1) + ")");
            }
            e.firstRow = rows;
            e.firstLogitRow = logitRows;
            rows += e.count;
            logitRows += e.logitRows();
        }
        if (rows == 0) return;
        ws.ensure(rows);
        ws.ensureLogits(logitRows);
        final int dim = c.dim();
        final int n = rows;

        embed(entries, ws, n);
        hooks(HookSite.EMBED, -1, entries, ws, ws.x, dim);
        for (int l = 0; l < c.layers(); l++) block(l, entries, ws, n);

        // Final norm and unembedding, only for the rows whose logits are wanted.
        norm(ws.xb, ws.x, model.outputNorm(), model.outputNormBias(), n);
        hooks(HookSite.FINAL_NORM, -1, entries, ws, ws.xb, dim);
        int lr = 0;
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            int first = e.allLogits ? e.firstRow : e.firstRow + e.count - 1;
            System.arraycopy(ws.xb, first * dim, ws.delta, lr * dim, e.logitRows() * dim);
            lr += e.logitRows();
        }
        model.output().matmul(pool, activations, ws.delta, dim, ws.logits, c.vocabSize(), lr);
        if (c.finalSoftcap() > 0) BlockMath.softcap(ws.logits, 0, lr * c.vocabSize(), c.finalSoftcap());

        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            e.sequence.advance(e.tokens, e.from, e.count);
        }
    }

    /** Token embeddings, plus learned positions, times √n_embd where the family says so. */
    private void embed(List<Batch.Entry> entries, Workspace ws, int n) {
        int dim = c.dim();
        WeightMatrix positions = model.positionEmbedding();
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            int pos0 = e.sequence.position();
            for (int i = 0; i < e.count; i++) {
                int row = (e.firstRow + i) * dim;
                model.tokenEmbedding().dequantizeRow(e.tokens[e.from + i], ws.x, row);
                if (positions != null) {
                    positions.dequantizeRow(pos0 + i, ws.xb, row);
                    VectorMath.add(ws.xb, row, ws.x, row, dim);
                }
            }
        }
        if (family.scaleEmbedding()) {
            float s = (float) Math.sqrt(dim);
            for (int i = 0, e = n * dim; i < e; i++) ws.x[i] *= s;
        }
    }

    /** One transformer block over all rows. */
    private void block(int l, List<Batch.Entry> entries, Workspace ws, int n) {
        final int dim = c.dim();
        LayerWeights w = model.layer(l);
        hooks(HookSite.RESID_PRE, l, entries, ws, ws.x, dim);

        // Attention.
        norm(ws.xb, ws.x, w.attnNorm(), w.attnNormBias(), n);
        WeightMatrix.matmul(pool, activations, ws.xb, dim, n, w.wq(), ws.q, w.wk(), ws.k, w.wv(), ws.v);
        if (w.bq() != null) addBias(ws.q, w.bq(), n);
        if (w.bk() != null) addBias(ws.k, w.bk(), n);
        if (w.bv() != null) addBias(ws.v, w.bv(), n);
        if (w.qNorm() != null) headNorm(ws.q, w.qNorm(), n * c.heads());
        if (w.kNorm() != null) headNorm(ws.k, w.kNorm(), n * c.kvHeads());
        hooks(HookSite.Q, l, entries, ws, ws.q, c.qDim());
        hooks(HookSite.K, l, entries, ws, ws.k, c.kvDim());
        hooks(HookSite.V, l, entries, ws, ws.v, c.kvDim());
        int kvDim = c.kvDim();
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            int pos0 = e.sequence.position();
            if (family.positions().rotary()) {
                float[] inv = invFreq[l];
                for (int i = 0; i < e.count; i++) {
                    int r = e.firstRow + i;
                    rope(ws, inv, ws.q, r * c.qDim(), c.heads(), pos0 + i);
                    rope(ws, inv, ws.k, r * kvDim, c.kvHeads(), pos0 + i);
                }
            }
            System.arraycopy(ws.k, e.firstRow * kvDim, e.sequence.keys(l), pos0 * kvDim, e.count * kvDim);
            System.arraycopy(ws.v, e.firstRow * kvDim, e.sequence.values(l), pos0 * kvDim, e.count * kvDim);
        }
        attention(entries, ws, l, n);
        hooks(HookSite.Z, l, entries, ws, ws.att, c.qDim());
        w.wo().matmul(pool, activations, ws.att, c.qDim(), ws.delta, dim, n);
        if (w.bo() != null) addBias(ws.delta, w.bo(), n);
        if (w.postAttnNorm() != null) norm(ws.delta, ws.delta, w.postAttnNorm(), null, n);
        hooks(HookSite.ATTN_OUT, l, entries, ws, ws.delta, dim);
        VectorMath.add(ws.delta, 0, ws.x, 0, n * dim);
        hooks(HookSite.RESID_MID, l, entries, ws, ws.x, dim);

        // MLP.
        norm(ws.xb, ws.x, w.ffnNorm(), w.ffnNormBias(), n);
        int ffn = c.ffnDim();
        if (w.ffnGate() == null) {
            w.ffnUp().matmul(pool, activations, ws.xb, dim, ws.gate, ffn, n);
            if (w.bUp() != null) addBias(ws.gate, w.bUp(), n);
        } else {
            WeightMatrix.matmul(pool, activations, ws.xb, dim, n, w.ffnGate(), ws.gate, w.ffnUp(), ws.up, null, null);
        }
        activate(ws, n * ffn);
        hooks(HookSite.MLP_POST, l, entries, ws, ws.gate, ffn);
        w.ffnDown().matmul(pool, activations, ws.gate, ffn, ws.delta, dim, n);
        if (w.bDown() != null) addBias(ws.delta, w.bDown(), n);
        if (w.postFfnNorm() != null) norm(ws.delta, ws.delta, w.postFfnNorm(), null, n);
        hooks(HookSite.MLP_OUT, l, entries, ws, ws.delta, dim);
        VectorMath.add(ws.delta, 0, ws.x, 0, n * dim);
        hooks(HookSite.RESID_POST, l, entries, ws, ws.x, dim);
    }

    /** out = norm(x) row by row with the family's norm; out may be x. */
    private void norm(float[] out, float[] x, float[] weight, float[] bias, int n) {
        int dim = c.dim();
        if (family.norm() == Family.Norm.LAYER) {
            for (int r = 0; r < n; r++) BlockMath.layerNorm(out, r * dim, x, r * dim, weight, bias, dim, c.rmsEps());
        } else {
            for (int r = 0; r < n; r++) VectorMath.rmsNorm(out, r * dim, x, r * dim, weight, dim, c.rmsEps());
        }
    }

    /** RMSNorm of each head_dim-wide head in place (Q/K norms). */
    private void headNorm(float[] x, float[] weight, int heads) {
        int hd = c.headDim();
        for (int h = 0; h < heads; h++) VectorMath.rmsNorm(x, h * hd, x, h * hd, weight, hd, c.rmsEps());
    }

    /** The residual-stream vector through the final norm and the unembedding (soft-capped): the logit lens. */
    public static float[] unembed(Model model, float[] residual) {
        ModelConfig c = model.config();
        int dim = c.dim();
        if (residual.length != dim)
            throw new IllegalArgumentException("vector has width " + residual.length + " but the model's n_embd is " + dim);
        float[] normed = new float[dim];
        if (c.family().norm() == Family.Norm.LAYER)
            BlockMath.layerNorm(normed, 0, residual, 0, model.outputNorm(), model.outputNormBias(), dim, c.rmsEps());
        else VectorMath.rmsNorm(normed, 0, residual, 0, model.outputNorm(), dim, c.rmsEps());
        float[] out = new float[c.vocabSize()];
        model.output().matmul(ThreadPool.shared(), normed, dim, out, out.length, 1);
        if (c.finalSoftcap() > 0) BlockMath.softcap(out, 0, out.length, c.finalSoftcap());
        return out;
    }

    private boolean hooked(HookSite site, int layer, List<Batch.Entry> entries) {
        for (int i = 0, size = entries.size(); i < size; i++)
            if (entries.get(i).sequence.hooks().at(site, layer) != null) return true;
        return false;
    }

    private void hooks(HookSite site, int layer, List<Batch.Entry> entries, Workspace ws, float[] buf, int width) {
        for (int i = 0, size = entries.size(); i < size; i++) {
            Batch.Entry e = entries.get(i);
            Hook[] hs = e.sequence.hooks().at(site, layer);
            if (hs == null) continue;
            run(hs, points[site.ordinal()][layer + 1], e, ws, buf, e.firstRow * width, width);
        }
    }

    private static void run(Hook[] hs, HookPoint point, Batch.Entry e, Workspace ws, float[] buf, int base, int width) {
        Activations view = ws.view;
        for (Hook h : hs) {
            view.set(point, e.sequence, buf, base, e.count, width, e.sequence.position());
            h.apply(view);
        }
    }

    private void addBias(float[] y, float[] bias, int n) {
        for (int r = 0; r < n; r++) VectorMath.add(bias, 0, y, r * bias.length, bias.length);
    }

    /** Rotates each head of one row by its position. */
    private void rope(Workspace ws, float[] invFreq, float[] x, int off, int nHeads, int pos) {
        int hd = c.headDim();
        int half = hd / 2;
        float[] cos = ws.ropeCos, sin = ws.ropeSin;
        float mscale = c.ropeAttnFactor();
        for (int i = 0; i < half; i++) {
            double theta = pos * (double) invFreq[i];
            cos[i] = (float) Math.cos(theta);
            sin[i] = (float) Math.sin(theta);
        }
        if (mscale != 1f) {
            for (int i = 0; i < half; i++) {
                cos[i] *= mscale;
                sin[i] *= mscale;
            }
        }
        for (int h = 0; h < nHeads; h++) {
            int base = off + h * hd;
            for (int i = 0; i < half; i++) {
                int a = halfSplitRope ? base + i : base + 2 * i;
                int b = halfSplitRope ? base + i + half : base + 2 * i + 1;
                float x0 = x[a], x1 = x[b];
                x[a] = x0 * cos[i] - x1 * sin[i];
                x[b] = x0 * sin[i] + x1 * cos[i];
            }
        }
    }

    /** The MLP activation in place over the first {@code count} elements of gate (and up), split across the pool. */
    private void activate(Workspace ws, int count) {
        Swiglu task = ws.swiglu;
        if (task == null) ws.swiglu = task = new Swiglu();
        task.ws = ws;
        task.count = count;
        task.kind = family.mlp();
        try {
            pool.parallelFor((count + Swiglu.CHUNK - 1) / Swiglu.CHUNK, task, 16L * count);
        } finally {
            task.ws = null;
        }
    }

    /** The MLP activation as a reusable job: chunks of elements; SwiGLU exactly as {@link VectorMath#swiglu}. */
    static final class Swiglu implements ThreadPool.RangeBody {
        static final int CHUNK = 512;
        Workspace ws;
        int count;
        Family.Mlp kind = Family.Mlp.SWIGLU;

        @Override
        public void run(int start, int end) {
            int from = start * CHUNK, to = Math.min(count, end * CHUNK);
            switch (kind) {
                case SWIGLU -> VectorMath.swiglu(ws.gate, from, ws.up, from, to - from);
                case GEGLU -> BlockMath.geglu(ws.gate, from, ws.up, from, to - from);
                case GELU -> BlockMath.gelu(ws.gate, from, to - from);
            }
        }
    }

    /**
     * Causal grouped-query attention of every (row, head) pair against its sequence's cache. When a sequence hooks
     * {@code attn.hook_pattern} at this layer, the probabilities are first written out for every entry, the hooks run,
     * and the value sum reads them back; otherwise scores, softmax and the value sum are one fused step.
     */
    private void attention(List<Batch.Entry> entries, Workspace ws, int layer, int n) {
        Attention task = ws.attention;
        if (task == null) ws.attention = task = new Attention();
        long work = 0;
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            work += (long) e.count * (e.sequence.position() + e.count) * c.heads() * c.headDim() * 2;
        }
        try {
            if (!hooked(HookSite.PATTERN, layer, entries)) {
                task.set(this, entries, ws, layer, Attention.FUSED);
                pool.parallelFor(n * c.heads(), task, work);
                return;
            }
            int size = 0;
            for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
                Batch.Entry e = entries.get(ei);
                e.patternBase = size;
                e.patternKeys = e.sequence.position() + e.count;
                size += e.count * c.heads() * e.patternKeys;
            }
            ws.ensurePattern(size);
            task.set(this, entries, ws, layer, Attention.PROBABILITIES);
            pool.parallelFor(n * c.heads(), task, work);
            HookPoint point = points[HookSite.PATTERN.ordinal()][layer + 1];
            for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
                Batch.Entry e = entries.get(ei);
                Hook[] hs = e.sequence.hooks().at(HookSite.PATTERN, layer);
                if (hs != null) run(hs, point, e, ws, ws.pattern, e.patternBase, c.heads() * e.patternKeys);
            }
            task.set(this, entries, ws, layer, Attention.VALUE_SUM);
            pool.parallelFor(n * c.heads(), task, work);
        } finally {
            task.set(null, null, null, 0, Attention.FUSED);
        }
    }

    /** The attention step as a reusable job (one per workspace), so that dispatching it allocates nothing. */
    static final class Attention implements ThreadPool.RangeBody {
        static final int FUSED = 0, PROBABILITIES = 1, VALUE_SUM = 2;
        private ForwardPass fp;
        private List<Batch.Entry> entries;
        private Workspace ws;
        private int layer;
        private int phase;

        void set(ForwardPass fp, List<Batch.Entry> entries, Workspace ws, int layer, int phase) {
            this.fp = fp;
            this.entries = entries;
            this.ws = ws;
            this.layer = layer;
            this.phase = phase;
        }

        @Override
        public void run(int start, int end) {
            ModelConfig c = fp.c;
            final int heads = c.heads();
            final int hd = c.headDim();
            final int kvDim = c.kvDim();
            final int qDim = c.qDim();
            final int group = heads / c.kvHeads();
            final float scale = c.queryScale();
            final float cap = c.attnSoftcap();
            final int window = c.window(layer);
            int ei = 0;
            for (int item = start; item < end; item++) {
                int r = item / heads;
                int h = item % heads;
                while (r >= entries.get(ei).firstRow + entries.get(ei).count) ei++;
                while (r < entries.get(ei).firstRow) ei--;
                Batch.Entry e = entries.get(ei);
                int pos = e.sequence.position() + (r - e.firstRow);
                int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                int len = pos + 1 - first;
                float[] keys = e.sequence.keys(layer);
                float[] values = e.sequence.values(layer);
                int kvOff = (h / group) * hd;
                int outOff = r * qDim + h * hd;
                float[] p;
                int pOff;
                if (phase == VALUE_SUM) {
                    p = ws.pattern;
                    pOff = e.patternBase + ((r - e.firstRow) * heads + h) * e.patternKeys + first;
                } else {
                    float[] scores = fp.scoreBuffers.get();
                    if (scores.length < len) {
                        scores = new float[Math.max(len, scores.length * 2)];
                        fp.scoreBuffers.set(scores);
                    }
                    int qOff = r * qDim + h * hd;
                    for (int t = first; t <= pos; t++) scores[t - first] = VectorMath.dot(ws.q, qOff, keys, t * kvDim + kvOff, hd) * scale;
                    if (cap > 0) BlockMath.softcap(scores, 0, len, cap);
                    VectorMath.softmax(scores, 0, len);
                    if (phase == PROBABILITIES) {
                        int row = e.patternBase + ((r - e.firstRow) * heads + h) * e.patternKeys;
                        java.util.Arrays.fill(ws.pattern, row, row + e.patternKeys, 0f);
                        System.arraycopy(scores, 0, ws.pattern, row + first, len);
                        continue;
                    }
                    p = scores;
                    pOff = 0;
                }
                java.util.Arrays.fill(ws.att, outOff, outOff + hd, 0f);
                for (int t = first; t <= pos; t++) VectorMath.axpy(p[pOff + t - first], values, t * kvDim + kvOff, ws.att, outOff, hd);
            }
        }
    }
}
