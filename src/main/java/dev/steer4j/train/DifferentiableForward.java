package dev.steer4j.train;

import dev.steer4j.model.Architecture;
import dev.steer4j.model.LayerWeights;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelConfig;
import dev.steer4j.model.ModelException;
import dev.steer4j.tensor.WeightMatrix;
import dev.steer4j.train.grad.Activations;
import dev.steer4j.train.grad.Attention;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Linear;
import dev.steer4j.train.grad.Norms;
import dev.steer4j.train.grad.Rope;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

/**
 * The transformer forward pass of one token sequence on a {@link Tape}, so that gradients reach whatever the
 * {@link TrainingHooks} make trainable. It computes what {@link dev.steer4j.runtime.ForwardPass} computes (the same
 * RoPE frequencies, norms and attention) in double precision over the same mmapped weights, which stay read-only.
 * Supports the llama and qwen2 families (RMSNorm, RoPE, GQA, SwiGLU).
 *
 * <pre>
 * x = embed(tokens)
 * for each block L:  x = x + Wo·attn(rope(Wq·n), rope(Wk·n), Wv·n), n = rms(x)
 *                    x = x + Wdown·(silu(Wgate·n) ⊙ Wup·n),        n = rms(x)
 *                    x = hooks.residPost(L, x)
 * logits = Wout · rms(x)
 * </pre>
 */
public final class DifferentiableForward {
    private final Model model;
    private final ModelConfig c;
    private final float[] invFreq;
    private final boolean halfSplit;

    public DifferentiableForward(Model model) {
        this.model = model;
        this.c = model.config();
        Architecture a = c.architecture();
        if (a != Architecture.LLAMA && a != Architecture.QWEN2)
            throw new ModelException("training supports the llama and qwen2 families; this model is " + a.ggufName);
        this.halfSplit = a.ropeStyle == Architecture.RopeStyle.HALF_SPLIT;
        int half = c.headDim() / 2;
        this.invFreq = new float[half];
        float[] factors = c.ropeFreqFactors();
        for (int i = 0; i < half; i++) {
            double f = Math.pow(c.ropeTheta(), -2.0 * i / c.headDim()) * c.ropeFreqScale();
            if (factors != null) f /= factors[i];
            invFreq[i] = (float) f;
        }
    }

    public Model model() { return model; }

    /** What one pass produced: the residual stream after each block it ran, and the logits when asked for. */
    public record Result(Tensor[] residPost, Tensor logits) {}

    /** All blocks and the logits. */
    public Result run(Tape tape, int[] tokens, TrainingHooks hooks) {
        return run(tape, tokens, hooks, c.layers() - 1, true);
    }

    /**
     * @param lastLayer the last block to run (methods that train on one layer's activations stop there)
     * @param logits    whether to compute the final norm and unembedding (needs lastLayer = last block)
     */
    public Result run(Tape tape, int[] tokens, TrainingHooks hooks, int lastLayer, boolean logits) {
        if (tokens.length == 0) throw new IllegalArgumentException("no tokens");
        if (tokens.length > c.contextLength())
            throw new IllegalArgumentException(tokens.length + " tokens exceed the context length " + c.contextLength());
        if (lastLayer < 0 || lastLayer >= c.layers()) throw new IllegalArgumentException("layer " + lastLayer + " outside 0-" + (c.layers() - 1));
        if (logits && lastLayer != c.layers() - 1) throw new IllegalArgumentException("logits need every block");
        int n = tokens.length, dim = c.dim();
        double[] emb = new double[n * dim];
        float[] row = new float[dim];
        for (int i = 0; i < n; i++) {
            if (tokens[i] < 0 || tokens[i] >= c.vocabSize()) throw new IllegalArgumentException("token id " + tokens[i] + " is outside the vocabulary");
            model.tokenEmbedding().dequantizeRow(tokens[i], row, 0);
            for (int j = 0; j < dim; j++) emb[i * dim + j] = row[j];
        }
        Tensor x = tape.constant(n, dim, emb);
        Tensor[] resid = new Tensor[lastLayer + 1];
        for (int l = 0; l <= lastLayer; l++) {
            LayerWeights w = model.layer(l);
            Tensor h = Norms.rms(tape, x, w.attnNorm(), c.rmsEps());
            Tensor q = bias(tape, linear(tape, hooks, l, "attn_q", h, w.wq()), w.bq());
            Tensor k = bias(tape, linear(tape, hooks, l, "attn_k", h, w.wk()), w.bk());
            Tensor v = bias(tape, linear(tape, hooks, l, "attn_v", h, w.wv()), w.bv());
            q = Rope.apply(tape, q, c.heads(), c.headDim(), 0, invFreq, halfSplit);
            k = Rope.apply(tape, k, c.kvHeads(), c.headDim(), 0, invFreq, halfSplit);
            Tensor z = Attention.causal(tape, q, k, v, c.heads(), c.kvHeads(), c.headDim());
            x = Elementwise.add(tape, x, linear(tape, hooks, l, "attn_output", z, w.wo()));

            h = Norms.rms(tape, x, w.ffnNorm(), c.rmsEps());
            Tensor gate = linear(tape, hooks, l, "ffn_gate", h, w.ffnGate());
            Tensor up = linear(tape, hooks, l, "ffn_up", h, w.ffnUp());
            Tensor m = linear(tape, hooks, l, "ffn_down", Activations.swiglu(tape, gate, up), w.ffnDown());
            x = Elementwise.add(tape, x, m);
            x = hooks.residPost(tape, l, x);
            resid[l] = x;
        }
        Tensor out = null;
        if (logits) out = Linear.frozen(tape, Norms.rms(tape, x, model.outputNorm(), c.rmsEps()), model.output());
        return new Result(resid, out);
    }

    private static Tensor linear(Tape tape, TrainingHooks hooks, int layer, String name, Tensor in, WeightMatrix frozen) {
        Tensor trainable = hooks.weight(tape, layer, name);
        Tensor out = trainable != null ? Linear.dense(tape, in, trainable) : Linear.frozen(tape, in, frozen);
        return hooks.linear(tape, layer, name, in, out);
    }

    private static Tensor bias(Tape tape, Tensor x, float[] b) {
        if (b == null) return x;
        double[] v = new double[b.length];
        for (int i = 0; i < b.length; i++) v[i] = b[i];
        return Linear.bias(tape, x, tape.constant(1, b.length, v));
    }
}
