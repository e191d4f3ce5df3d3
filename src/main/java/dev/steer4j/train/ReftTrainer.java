package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.steer.ReftIntervention;
import dev.steer4j.steer.ReftPositions;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Linear;
import dev.steer4j.train.grad.Losses;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Trains a LoReFT intervention (Wu et al. 2024) on demonstrations: at {@code blocks.L.hook_resid_post} of each chosen
 * layer, at the chosen positions, h ← h + Rᵀ(W h + b − R h), and R, W, b minimise the cross-entropy of the
 * completion tokens given the prompt. The model's weights stay frozen and mmapped.
 * <ul>
 * <li>R starts as a seeded random matrix with orthonormal rows and W = R, b = 0, so the untrained intervention is
 *     exactly the identity.</li>
 * <li>pyreft keeps R orthonormal with PyTorch's orthogonal parametrisation; here each AdamW step is followed by a
 *     Gram–Schmidt retraction of R's rows (the same constraint, reached by projection).</li>
 * <li>The examples drawn at step s depend only on the seed and s, so a resumed run equals an uninterrupted one.</li>
 * </ul>
 */
public final class ReftTrainer {
    /** Training settings. */
    public record Options(int[] layers, int rank, ReftPositions positions, int steps, int batch, double lr, long seed) {
        public Options {
            if (layers == null || layers.length == 0) throw new IllegalArgumentException("ReFT needs at least one layer");
            if (rank <= 0) throw new IllegalArgumentException("rank must be positive, got " + rank);
            if (steps <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps);
            if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
            if (positions == null) throw new IllegalArgumentException("positions are null");
            layers = layers.clone();
        }
    }

    /** One step's figures, for the progress display. */
    public record Step(long step, double loss, double gradNorm, double seconds, int tokens) {}

    public interface Listener { void step(Step s); }

    private final Model model;
    private final DifferentiableForward forward;
    private final Options o;
    private final int dim;
    private final Map<Integer, Param[]> params = new TreeMap<>(); // layer -> {R, W, b}

    public ReftTrainer(Model model, Options options) {
        this.model = model;
        this.forward = new DifferentiableForward(model);
        this.o = options;
        this.dim = model.config().dim();
        if (options.rank() > dim) throw new IllegalArgumentException("rank " + options.rank() + " is more than n_embd " + dim);
        Random rnd = new Random(options.seed());
        for (int l : options.layers()) {
            if (l < 0 || l >= model.config().layers()) throw new IllegalArgumentException("layer " + l + " is outside 0-" + (model.config().layers() - 1));
            if (params.containsKey(l)) throw new IllegalArgumentException("layer " + l + " is given twice");
            Param r = new Param("blk." + l + ".loreft.rotation", options.rank(), dim);
            for (int i = 0; i < r.value.length; i++) r.value[i] = rnd.nextGaussian();
            orthonormalizeRows(r);
            Param w = new Param("blk." + l + ".loreft.weight", options.rank(), dim, r.value.clone());
            Param b = new Param("blk." + l + ".loreft.bias", 1, options.rank());
            params.put(l, new Param[]{r, w, b});
        }
    }

    /** Every trainable parameter, in a fixed order (for the optimiser and checkpoints). */
    public List<Param> params() {
        List<Param> out = new ArrayList<>();
        for (Param[] p : params.values()) out.addAll(List.of(p));
        return out;
    }

    public AdamW newOptimiser() { return new AdamW(params(), AdamW.Settings.defaults(o.lr())); }

    /** Runs steps until the optimiser has taken {@code options.steps}; a restored optimiser continues where it stopped. */
    public void train(List<Demonstration> data, AdamW opt, Listener listener) {
        if (data.isEmpty()) throw new IllegalArgumentException("no demonstrations");
        while (opt.steps() < o.steps()) {
            long t0 = System.nanoTime();
            Random rnd = new Random(o.seed() * 1_000_003L + opt.steps());
            double loss = 0;
            int tokens = 0;
            for (int k = 0; k < o.batch(); k++) {
                Demonstration d = data.get(rnd.nextInt(data.size()));
                Tape tape = new Tape();
                Tensor l = Elementwise.scale(tape, nll(tape, d, true), 1.0 / o.batch());
                tape.backward(l);
                loss += l.item();
                tokens += d.prompt().length + d.completion().length;
            }
            double gn = opt.step();
            for (Param[] p : params.values()) orthonormalizeRows(p[0]);
            if (listener != null) listener.step(new Step(opt.steps(), loss, gn, (System.nanoTime() - t0) / 1e9, tokens));
        }
    }

    /** Mean negative log-likelihood per completion token of {@code d}, with or without the intervention. */
    public Tensor nll(Tape tape, Demonstration d, boolean intervene) {
        TrainingHooks hooks = intervene ? hooks(tape, d.prompt().length) : TrainingHooks.NONE;
        Tensor logits = forward.run(tape, d.sequence(), hooks).logits();
        return Losses.crossEntropy(tape, logits, d.predictingRows(), d.completion());
    }

    /** Mean over demonstrations of the mean log-probability per completion token. */
    public double meanLogProb(List<Demonstration> data, boolean intervene) {
        double s = 0;
        for (Demonstration d : data) s -= nll(new Tape(), d, intervene).item();
        return s / data.size();
    }

    private TrainingHooks hooks(Tape tape, int promptLength) {
        Map<Integer, Tensor[]> onTape = new HashMap<>();
        return new TrainingHooks() {
            @Override
            public Tensor residPost(Tape t, int layer, Tensor x) {
                Param[] p = params.get(layer);
                if (p == null) return x;
                Tensor[] q = onTape.computeIfAbsent(layer, k -> new Tensor[]{t.param(p[0]), t.param(p[1]), t.param(p[2])});
                double[] mask = new double[x.rows * x.cols];
                boolean any = false;
                for (int i = 0; i < x.rows; i++)
                    if (o.positions().test(i, promptLength)) {
                        java.util.Arrays.fill(mask, i * x.cols, (i + 1) * x.cols, 1);
                        any = true;
                    }
                if (!any) return x;
                Tensor rh = Linear.dense(t, x, q[0]);
                Tensor wh = Linear.bias(t, Linear.dense(t, x, q[1]), q[2]);
                Tensor delta = Linear.matmul(t, Elementwise.sub(t, wh, rh), q[0]);
                return Elementwise.add(t, x, Elementwise.mul(t, delta, t.constant(x.rows, x.cols, mask)));
            }
        };
    }

    /** The trained intervention, as the runtime applies it. */
    public ReftIntervention intervention(Map<String, String> metadata) {
        Map<Integer, ReftIntervention.Layer> layers = new LinkedHashMap<>();
        for (var e : params.entrySet())
            layers.put(e.getKey(), new ReftIntervention.Layer(floats(e.getValue()[0]), floats(e.getValue()[1]), floats(e.getValue()[2])));
        return new ReftIntervention(dim, o.rank(), o.positions(), layers, metadata);
    }

    private static float[] floats(Param p) {
        float[] f = new float[p.value.length];
        for (int i = 0; i < f.length; i++) f[i] = (float) p.value[i];
        return f;
    }

    /** Modified Gram–Schmidt on the rows of {@code p} (rows × cols, rows ≤ cols), in place. */
    static void orthonormalizeRows(Param p) {
        int r = p.rows, c = p.cols;
        double[] v = p.value;
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < i; j++) {
                double d = 0;
                for (int k = 0; k < c; k++) d += v[i * c + k] * v[j * c + k];
                for (int k = 0; k < c; k++) v[i * c + k] -= d * v[j * c + k];
            }
            double n = 0;
            for (int k = 0; k < c; k++) n += v[i * c + k] * v[i * c + k];
            n = Math.sqrt(n);
            if (!(n > 1e-12)) throw new IllegalStateException("ReFT rotation lost rank at row " + i);
            for (int k = 0; k < c; k++) v[i * c + k] /= n;
        }
    }
}
