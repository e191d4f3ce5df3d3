package dev.steer4j.runtime;

import dev.steer4j.model.Architecture;
import dev.steer4j.model.LayerWeights;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.tensor.ActivationMode;
import dev.steer4j.tensor.ThreadPool;
import dev.steer4j.tensor.VectorMath;
import dev.steer4j.tensor.WeightMatrix;

import java.util.List;

/**
 * The transformer forward pass, top to bottom, over a {@link Batch} of sequences. Matrix products run once over all
 * rows of the batch (weights are read once per step); attention runs per sequence against its own KV cache.
 * Hooks run at every {@link HookSite} for the sequences that registered them.
 *
 * <pre>
 * x = embed(tokens)                                   hook_embed
 * for each block L:                                   blocks.L.hook_resid_pre
 *     a = Wo · attention(rope(Wq·n), rope(Wk·n), Wv·n)   with n = rmsnorm(x)      blocks.L.hook_attn_out
 *     x = x + a                                       blocks.L.hook_resid_mid
 *     m = Wdown · (silu(Wgate·n) * (Wup·n))   with n = rmsnorm(x)               blocks.L.hook_mlp_out
 *     x = x + m                                       blocks.L.hook_resid_post
 * n = rmsnorm(x)                                      ln_final.hook_normalized
 * logits = Wout · n
 * </pre>
 */
public final class ForwardPass {
    /** Prompt rows per prefill step; bounds the scratch memory of long prompts. */
    public static final int PREFILL_CHUNK = 256;

    private final Model model;
    private final ModelConfig c;
    private final ThreadPool pool;
    private final ActivationMode activations;
    private final boolean halfSplitRope;
    private final float[] invFreq;
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
        this.model = model;
        this.c = model.config();
        this.pool = pool;
        this.activations = activations;
        this.halfSplitRope = c.architecture().ropeStyle == Architecture.RopeStyle.HALF_SPLIT;
        int half = c.headDim() / 2;
        this.invFreq = new float[half];
        float[] factors = c.ropeFreqFactors();
        for (int i = 0; i < half; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim()) * c.ropeFreqScale();
            if (factors != null) f /= factors[i];
            invFreq[i] = (float) f;
        }
        this.points = new HookPoint[HookSite.values().length][c.layers() + 1];
        for (HookSite site : HookSite.values())
            for (int l = -1; l < c.layers(); l++) points[site.ordinal()][l + 1] = HookPoint.of(site, site.perLayer ? Math.max(l, 0) : -1);
    }

    public Model model() { return model; }
    public ThreadPool pool() { return pool; }
    public ActivationMode activations() { return activations; }

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

        // Token embeddings.
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            for (int i = 0; i < e.count; i++) model.tokenEmbedding().dequantizeRow(e.tokens[e.from + i], ws.x, (e.firstRow + i) * dim);
        }
        hooks(HookSite.EMBED, -1, entries, ws, ws.x, dim);

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = model.layer(l);
            hooks(HookSite.RESID_PRE, l, entries, ws, ws.x, dim);

            // Attention.
            for (int r = 0; r < n; r++) VectorMath.rmsNorm(ws.xb, r * dim, ws.x, r * dim, w.attnNorm(), dim, c.rmsEps());
            WeightMatrix.matmul(pool, activations, ws.xb, dim, n, w.wq(), ws.q, w.wk(), ws.k, w.wv(), ws.v);
            if (w.bq() != null) addBias(ws.q, w.bq(), n);
            if (w.bk() != null) addBias(ws.k, w.bk(), n);
            if (w.bv() != null) addBias(ws.v, w.bv(), n);
            for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
                Batch.Entry e = entries.get(ei);
                int pos0 = e.sequence.position();
                for (int i = 0; i < e.count; i++) {
                    int r = e.firstRow + i;
                    rope(ws, ws.q, r * c.qDim(), c.heads(), pos0 + i);
                    rope(ws, ws.k, r * c.kvDim(), c.kvHeads(), pos0 + i);
                }
                int kvDim = c.kvDim();
                System.arraycopy(ws.k, e.firstRow * kvDim, e.sequence.keys(l), pos0 * kvDim, e.count * kvDim);
                System.arraycopy(ws.v, e.firstRow * kvDim, e.sequence.values(l), pos0 * kvDim, e.count * kvDim);
            }
            attention(entries, ws, l, n);
            w.wo().matmul(pool, activations, ws.att, c.qDim(), ws.delta, dim, n);
            hooks(HookSite.ATTN_OUT, l, entries, ws, ws.delta, dim);
            VectorMath.add(ws.delta, 0, ws.x, 0, n * dim);
            hooks(HookSite.RESID_MID, l, entries, ws, ws.x, dim);

            // MLP.
            for (int r = 0; r < n; r++) VectorMath.rmsNorm(ws.xb, r * dim, ws.x, r * dim, w.ffnNorm(), dim, c.rmsEps());
            int ffn = c.ffnDim();
            WeightMatrix.matmul(pool, activations, ws.xb, dim, n, w.ffnGate(), ws.gate, w.ffnUp(), ws.up, null, null);
            swiglu(ws, n * ffn);
            w.ffnDown().matmul(pool, activations, ws.gate, ffn, ws.delta, dim, n);
            hooks(HookSite.MLP_OUT, l, entries, ws, ws.delta, dim);
            VectorMath.add(ws.delta, 0, ws.x, 0, n * dim);
            hooks(HookSite.RESID_POST, l, entries, ws, ws.x, dim);
        }

        // Final norm and unembedding, only for the rows whose logits are wanted.
        for (int r = 0; r < n; r++) VectorMath.rmsNorm(ws.xb, r * dim, ws.x, r * dim, model.outputNorm(), dim, c.rmsEps());
        hooks(HookSite.FINAL_NORM, -1, entries, ws, ws.xb, dim);
        int lr = 0;
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            int first = e.allLogits ? e.firstRow : e.firstRow + e.count - 1;
            System.arraycopy(ws.xb, first * dim, ws.delta, lr * dim, e.logitRows() * dim);
            lr += e.logitRows();
        }
        model.output().matmul(pool, activations, ws.delta, dim, ws.logits, c.vocabSize(), lr);

        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            e.sequence.advance(e.tokens, e.from, e.count);
        }
    }

    private void hooks(HookSite site, int layer, List<Batch.Entry> entries, Workspace ws, float[] buf, int width) {
        for (int i = 0, size = entries.size(); i < size; i++) {
            Batch.Entry e = entries.get(i);
            Hook[] hs = e.sequence.hooks().at(site, layer);
            if (hs == null) continue;
            Activations view = ws.view;
            HookPoint point = points[site.ordinal()][layer + 1];
            for (Hook h : hs) {
                view.set(point, e.sequence, buf, e.firstRow * width, e.count, width, e.sequence.position());
                h.apply(view);
            }
        }
    }

    private void addBias(float[] y, float[] bias, int n) {
        for (int r = 0; r < n; r++) VectorMath.add(bias, 0, y, r * bias.length, bias.length);
    }

    /** Rotates each head of one row by its position. */
    private void rope(Workspace ws, float[] x, int off, int nHeads, int pos) {
        int hd = c.headDim();
        int half = hd / 2;
        float[] cos = ws.ropeCos, sin = ws.ropeSin;
        for (int i = 0; i < half; i++) {
            double theta = pos * (double) invFreq[i];
            cos[i] = (float) Math.cos(theta);
            sin[i] = (float) Math.sin(theta);
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

    /** gate = silu(gate) · up over the first {@code count} elements, split across the pool (its exp dominates). */
    private void swiglu(Workspace ws, int count) {
        Swiglu task = ws.swiglu;
        if (task == null) ws.swiglu = task = new Swiglu();
        task.ws = ws;
        task.count = count;
        try {
            pool.parallelFor((count + Swiglu.CHUNK - 1) / Swiglu.CHUNK, task, 16L * count);
        } finally {
            task.ws = null;
        }
    }

    /** The SwiGLU step as a reusable job: chunks of elements, each computed exactly as {@link VectorMath#swiglu}. */
    static final class Swiglu implements ThreadPool.RangeBody {
        static final int CHUNK = 512;
        Workspace ws;
        int count;

        @Override
        public void run(int start, int end) {
            int from = start * CHUNK, to = Math.min(count, end * CHUNK);
            VectorMath.swiglu(ws.gate, from, ws.up, from, to - from);
        }
    }

    /** Causal grouped-query attention of every (row, head) pair against its sequence's cache. */
    private void attention(List<Batch.Entry> entries, Workspace ws, int layer, int n) {
        Attention task = ws.attention;
        if (task == null) ws.attention = task = new Attention();
        task.set(this, entries, ws, layer);
        long work = 0;
        for (int ei = 0, ne = entries.size(); ei < ne; ei++) {
            Batch.Entry e = entries.get(ei);
            work += (long) e.count * (e.sequence.position() + e.count) * c.heads() * c.headDim() * 2;
        }
        try {
            pool.parallelFor(n * c.heads(), task, work);
        } finally {
            task.set(null, null, null, 0);
        }
    }

    /** The attention step as a reusable job (one per workspace), so that dispatching it allocates nothing. */
    static final class Attention implements ThreadPool.RangeBody {
        private ForwardPass fp;
        private List<Batch.Entry> entries;
        private Workspace ws;
        private int layer;

        void set(ForwardPass fp, List<Batch.Entry> entries, Workspace ws, int layer) {
            this.fp = fp;
            this.entries = entries;
            this.ws = ws;
            this.layer = layer;
        }

        @Override
        public void run(int start, int end) {
            ModelConfig c = fp.c;
            final int heads = c.heads();
            final int hd = c.headDim();
            final int kvDim = c.kvDim();
            final int qDim = c.qDim();
            final int group = heads / c.kvHeads();
            final float scale = (float) (1.0 / Math.sqrt(hd));
            int ei = 0;
            for (int item = start; item < end; item++) {
                int r = item / heads;
                int h = item % heads;
                while (r >= entries.get(ei).firstRow + entries.get(ei).count) ei++;
                while (r < entries.get(ei).firstRow) ei--;
                Batch.Entry e = entries.get(ei);
                int pos = e.sequence.position() + (r - e.firstRow);
                float[] keys = e.sequence.keys(layer);
                float[] values = e.sequence.values(layer);
                int kvOff = (h / group) * hd;
                float[] scores = fp.scoreBuffers.get();
                if (scores.length < pos + 1) {
                    scores = new float[Math.max(pos + 1, scores.length * 2)];
                    fp.scoreBuffers.set(scores);
                }
                int qOff = r * qDim + h * hd;
                for (int t = 0; t <= pos; t++) scores[t] = VectorMath.dot(ws.q, qOff, keys, t * kvDim + kvOff, hd) * scale;
                VectorMath.softmax(scores, 0, pos + 1);
                int outOff = r * qDim + h * hd;
                java.util.Arrays.fill(ws.att, outOff, outOff + hd, 0f);
                for (int t = 0; t <= pos; t++) VectorMath.axpy(scores[t], values, t * kvDim + kvOff, ws.att, outOff, hd);
            }
        }
    }
}
