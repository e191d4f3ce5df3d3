package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Losses;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Trains a steering vector by gradient descent instead of taking a mean difference: bi-directional preference
 * optimisation (BiPO, Cao et al. 2024). For a pair (prompt x, positive y⁺, negative y⁻) and a direction d = ±1 drawn
 * per pair and step, the loss is
 * <pre>
 *   −log σ( β · [ log π_{d·v}(y_d | x) − log π(y_d | x) − log π_{d·v}(y_−d | x) + log π(y_−d | x) ] )
 * </pre>
 * with y₊₁ = y⁺, y₋₁ = y⁻ and π the unsteered model: +v must raise the positive completion over the negative one,
 * and −v the reverse. The vector is added to {@code blocks.L.hook_resid_post} at every position, as a llama.cpp
 * control vector is, and projected back into the ball of radius {@code normBudget} after each step.
 */
public final class VectorTrainer {
    /** Training settings. */
    public record Options(int layer, int steps, int batch, double lr, double beta, double normBudget, long seed) {
        public Options {
            if (steps <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps);
            if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
            if (!(beta > 0)) throw new IllegalArgumentException("beta must be positive, got " + beta);
            if (!(normBudget > 0)) throw new IllegalArgumentException("the norm budget must be positive, got " + normBudget);
        }
    }

    /** One step's figures, for the progress display. */
    public record Step(long step, double loss, double gradNorm, double vectorNorm, double seconds, int tokens) {}

    /** Receives every step (progress bars, logs, checkpoints). */
    public interface Listener { void step(Step s, Param vector, AdamW optimiser); }

    private final Model model;
    private final DifferentiableForward forward;
    private final Options o;

    public VectorTrainer(Model model, Options options) {
        this.model = model;
        this.forward = new DifferentiableForward(model);
        this.o = options;
        if (options.layer() < 0 || options.layer() >= model.config().layers())
            throw new IllegalArgumentException("layer " + options.layer() + " is outside 0-" + (model.config().layers() - 1));
    }

    /** A fresh (zero) vector parameter and its optimiser. */
    public Param newVector() { return new Param("vector", 1, model.config().dim()); }

    public AdamW newOptimiser(Param v) { return new AdamW(List.of(v), AdamW.Settings.defaults(o.lr())); }

    /**
     * Runs steps until the optimiser has taken {@code options.steps}; a restored optimiser (from a checkpoint)
     * continues where it stopped. The pairs drawn at step s depend only on the seed and s, so an interrupted and
     * resumed run equals an uninterrupted one.
     */
    public SteeringVector train(List<CompletionPair> pairs, Param v, AdamW opt, Listener listener) {
        if (pairs.isEmpty()) throw new IllegalArgumentException("no training pairs");
        double[][] reference = referenceLogProbs(pairs);
        while (opt.steps() < o.steps()) {
            long t0 = System.nanoTime();
            long s = opt.steps();
            Random rnd = new Random(o.seed() * 1_000_003L + s);
            double loss = 0;
            int tokens = 0;
            for (int b = 0; b < o.batch(); b++) {
                int i = rnd.nextInt(pairs.size());
                int d = rnd.nextBoolean() ? 1 : -1;
                CompletionPair p = pairs.get(i);
                Tape tape = new Tape();
                Tensor vt = tape.param(v);
                Tensor want = logProb(tape, p, d > 0, vt, d);
                Tensor other = logProb(tape, p, d < 0, vt, d);
                double refWant = reference[i][d > 0 ? 0 : 1], refOther = reference[i][d > 0 ? 1 : 0];
                Tensor margin = Elementwise.scale(tape, Elementwise.sub(tape, want, other), o.beta());
                double offset = -o.beta() * (refWant - refOther);
                Tensor shifted = Elementwise.add(tape, margin, tape.constant(1, 1, new double[]{offset}));
                Tensor l = Elementwise.scale(tape, Elementwise.logSigmoid(tape, shifted), -1.0 / o.batch());
                tape.backward(l);
                loss += l.item();
                tokens += p.prompt().length * 2 + p.positive().length + p.negative().length;
            }
            double gn = opt.step();
            project(v);
            if (listener != null) listener.step(new Step(opt.steps(), loss, gn, v.norm(), (System.nanoTime() - t0) / 1e9, tokens), v, opt);
        }
        return toVector(v, pairs.size());
    }

    /** Log π(y | x) of both completions of every pair, unsteered: [pair][0 = positive, 1 = negative]. */
    public double[][] referenceLogProbs(List<CompletionPair> pairs) {
        double[][] out = new double[pairs.size()][2];
        for (int i = 0; i < pairs.size(); i++)
            for (int side = 0; side < 2; side++) {
                Tape tape = new Tape();
                out[i][side] = logProb(tape, pairs.get(i), side == 0, null, 0).item();
            }
        return out;
    }

    /** log π_{sign·v}(completion | prompt): the sum of the completion tokens' teacher-forced log-probabilities. */
    public Tensor logProb(Tape tape, CompletionPair p, boolean positiveSide, Tensor v, double sign) {
        TrainingHooks hooks = v == null ? TrainingHooks.NONE : new TrainingHooks() {
            @Override
            public Tensor residPost(Tape t, int layer, Tensor x) {
                return layer == o.layer() ? Elementwise.addRow(t, x, v, sign, 0) : x;
            }
        };
        Tensor logits = forward.run(tape, p.sequence(positiveSide), hooks).logits();
        return Elementwise.sum(tape, Losses.logProbs(tape, logits, p.predictingRows(positiveSide), p.completion(positiveSide)));
    }

    private void project(Param v) {
        double n = v.norm();
        if (n > o.normBudget()) for (int i = 0; i < v.value.length; i++) v.value[i] *= o.normBudget() / n;
    }

    private SteeringVector toVector(Param v, int pairs) {
        float[] dir = new float[v.value.length];
        for (int i = 0; i < dir.length; i++) dir[i] = (float) v.value[i];
        VectorMetadata meta = new VectorMetadata("bipo", "resid_post", "all", null, null, model.config().name(),
                Map.of("steps", Long.toString(o.steps()), "lr", Double.toString(o.lr()), "beta", Double.toString(o.beta()),
                        "norm_budget", Double.toString(o.normBudget()), "seed", Long.toString(o.seed()), "pairs", Integer.toString(pairs)));
        return SteeringVector.single(o.layer(), dir, meta);
    }
}
