package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.tensor.WeightMatrix;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Linear;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Low-rank adaptation (LoRA; Hu et al. 2021) of chosen model matrices: each adapted weight W (out × in) gets a pair
 * A (rank × in) and B (out × rank), and its output becomes
 * <pre>
 *   y = W·x + (alpha / rank) · B·(A·x)
 * </pre>
 * through {@link TrainingHooks#linear}, so W stays frozen and mmapped and only A and B train. As in the LoRA paper,
 * A starts Gaussian (here N(0, 1/in), seeded) and B at zero, so training starts from the unchanged model.
 * <p>
 * The parameters are named as llama.cpp's LoRA GGUF names its tensors ({@code blk.L.attn_q.weight.lora_a} and
 * {@code .lora_b}, with A stored rank rows of in values and B out rows of rank values), so {@link LoraAdapterFile}
 * writes them as they are, and {@link #merged} gives the F32 weights W' = W + (alpha/rank)·B·A.
 */
public final class Lora implements TrainingHooks {
    /** The matrices LoRA can adapt, by their GGUF names (without block prefix and suffix). */
    public static final List<String> WEIGHTS = List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down");

    /** One adapted matrix: its GGUF name and the factors A (rank × in) and B (out × rank). */
    public record Pair(String weight, Param a, Param b) {
        public Pair {
            if (a.rows != b.cols) throw new IllegalArgumentException(weight + ": lora_a has rank " + a.rows + " but lora_b has rank " + b.cols);
        }
        public int in() { return a.cols; }
        public int out() { return b.rows; }
    }

    private final int rank;
    private final double alpha;
    private final Map<String, Pair> pairs = new LinkedHashMap<>();
    private final Map<String, Tensor> onTape = new HashMap<>();
    private Tape tape;

    /**
     * Fresh factors for {@code weights} of each of {@code layers}: A Gaussian with variance 1/in drawn from
     * {@code new Random(seed)} in layer-then-weight order, B zero.
     */
    public Lora(Model model, int[] layers, List<String> weights, int rank, double alpha, long seed) {
        this(rank, alpha);
        if (layers.length == 0 || weights.isEmpty()) throw new IllegalArgumentException("LoRA needs at least one layer and one weight");
        Random rnd = new Random(seed);
        int n = model.config().layers();
        for (int l : layers) {
            if (l < 0 || l >= n) throw new IllegalArgumentException("layer " + l + " is outside 0-" + (n - 1));
            for (String w : weights) {
                WeightMatrix m = WeightEdits.matrix(model.layer(l), w);
                String name = WeightEdits.ggufName(l, w);
                if (pairs.containsKey(name)) throw new IllegalArgumentException(name + " is listed twice");
                double[] a = new double[rank * m.cols()];
                double sd = 1 / Math.sqrt(m.cols());
                for (int i = 0; i < a.length; i++) a[i] = rnd.nextGaussian() * sd;
                add(new Pair(name, new Param(name + ".lora_a", rank, m.cols(), a), new Param(name + ".lora_b", m.rows(), rank)));
            }
        }
    }

    /**
     * Sets every B to N(0, std²) drawn from {@code new Random(seed)}. A method whose loss is at an extremum at the
     * unchanged model (circuit breakers: cos(h, h_orig) = 1 where B = 0, so its gradient is exactly zero) needs this
     * small asymmetry to start; with B = 0 only rounding noise would move it.
     */
    public void randomizeB(double std, long seed) {
        if (!(std >= 0)) throw new IllegalArgumentException("the B init scale must be non-negative, got " + std);
        Random rnd = new Random(seed);
        for (Pair p : pairs.values()) for (int i = 0; i < p.b().value.length; i++) p.b().value[i] = rnd.nextGaussian() * std;
    }

    /** An empty adapter to which {@link #add} puts pairs (for reading adapter files). */
    public Lora(int rank, double alpha) {
        if (rank <= 0) throw new IllegalArgumentException("the LoRA rank must be positive, got " + rank);
        if (!(alpha > 0) || !Double.isFinite(alpha)) throw new IllegalArgumentException("the LoRA alpha must be positive, got " + alpha);
        this.rank = rank;
        this.alpha = alpha;
    }

    /** Adds an adapted matrix; its rank must be this adapter's. */
    public void add(Pair p) {
        if (p.a().rows != rank) throw new IllegalArgumentException(p.weight() + ": rank " + p.a().rows + ", this adapter has rank " + rank);
        if (pairs.putIfAbsent(p.weight(), p) != null) throw new IllegalArgumentException(p.weight() + " is adapted twice");
    }

    public int rank() { return rank; }
    public double alpha() { return alpha; }
    /** alpha / rank, the factor on B·A (llama.cpp's scale at {@code --lora} strength 1). */
    public double scale() { return alpha / rank; }

    /** The adapted matrices by GGUF name, in the order they were added. */
    public List<Pair> pairs() { return new ArrayList<>(pairs.values()); }

    /** Every trainable parameter: A then B of each adapted matrix. */
    public List<Param> params() {
        List<Param> ps = new ArrayList<>();
        for (Pair p : pairs.values()) { ps.add(p.a()); ps.add(p.b()); }
        return ps;
    }

    /** The highest block any factor adapts. */
    public int lastLayer() {
        int last = -1;
        for (String name : pairs.keySet()) last = Math.max(last, Integer.parseInt(name.split("\\.")[1]));
        return last;
    }

    @Override
    public Tensor linear(Tape t, int layer, String weight, Tensor in, Tensor out) {
        Pair p = pairs.get(WeightEdits.ggufName(layer, weight));
        if (p == null) return out;
        if (t != tape) { // a new forward pass: put the factors on its tape once
            tape = t;
            onTape.clear();
        }
        Tensor a = onTape.computeIfAbsent(p.a().name, k -> t.param(p.a()));
        Tensor b = onTape.computeIfAbsent(p.b().name, k -> t.param(p.b()));
        Tensor delta = Linear.dense(t, Linear.dense(t, in, a), b);
        return Elementwise.add(t, out, Elementwise.scale(t, delta, scale()));
    }

    /** (alpha/rank)·B·A of one pair, row-major out × in. */
    public double[] delta(Pair p) {
        int out = p.out(), in = p.in();
        double[] d = new double[out * in];
        double s = scale();
        for (int o = 0; o < out; o++)
            for (int k = 0; k < rank; k++) {
                double bk = s * p.b().value[o * rank + k];
                if (bk == 0) continue;
                for (int i = 0; i < in; i++) d[o * in + i] += bk * p.a().value[k * in + i];
            }
        return d;
    }

    /**
     * The merged weights W' = W + (alpha/rank)·B·A as F32, by GGUF tensor name, for {@link EditedModelWriter}. Each
     * adapted matrix must exist in {@code model} with the adapter's shape.
     */
    public Map<String, float[]> merged(Model model) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Pair p : pairs.values()) {
            String[] parts = p.weight().split("\\.");
            int layer;
            try {
                layer = Integer.parseInt(parts[1]);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("LoRA tensor '" + p.weight() + "' is not a block weight (blk.L.NAME.weight)");
            }
            if (!p.weight().startsWith("blk.") || parts.length != 4 || layer < 0 || layer >= model.config().layers())
                throw new IllegalArgumentException("LoRA tensor '" + p.weight() + "' does not exist in the model (wrong base model?)");
            WeightMatrix w = WeightEdits.matrix(model.layer(layer), parts[2]);
            if (w.rows() != p.out() || w.cols() != p.in())
                throw new IllegalArgumentException("LoRA tensor '" + p.weight() + "' adapts " + p.out() + "x" + p.in()
                        + " but the model's is " + w.rows() + "x" + w.cols() + " (wrong base model?)");
            double[] d = delta(p);
            float[] merged = new float[d.length];
            float[] row = new float[w.cols()];
            for (int r = 0; r < w.rows(); r++) {
                w.dequantizeRow(r, row, 0);
                for (int c = 0; c < row.length; c++) merged[r * row.length + c] = (float) (row[c] + d[r * row.length + c]);
            }
            out.put(p.weight(), merged);
        }
        return out;
    }
}
