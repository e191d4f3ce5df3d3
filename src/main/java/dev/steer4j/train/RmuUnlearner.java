package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Param;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Representation Misdirection for Unlearning (RMU; Li et al. 2024, the WMDP paper). With u a fixed random unit
 * vector and h_ℓ the residual stream after block ℓ, it trains copies of the MLP weights of blocks ℓ−2..ℓ to minimise
 * <pre>
 *   mean ‖h_ℓ(x_forget) − c·u‖²  +  α · mean ‖h_ℓ(x_retain) − h_ℓ^frozen(x_retain)‖²
 * </pre>
 * over the tokens after BOS: activations on the forget corpus are scrambled towards a scaled random direction while
 * those on the retain corpus stay where the frozen model puts them. Only blocks up to ℓ run.
 */
public final class RmuUnlearner {
    /**
     * @param layer          ℓ, the block whose output is steered
     * @param steeringCoeff  c, the scale of the random target (the paper uses 6.5–300 depending on the model)
     * @param alpha          weight of the retain loss
     */
    public record Options(int layer, double steeringCoeff, double alpha, int steps, double lr, long seed) {
        public Options {
            if (steps <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps);
            if (!(steeringCoeff > 0)) throw new IllegalArgumentException("the steering coefficient must be positive, got " + steeringCoeff);
            if (!(alpha >= 0)) throw new IllegalArgumentException("alpha must be non-negative, got " + alpha);
        }
    }

    /** One step's figures. */
    public record Step(long step, double forgetLoss, double retainLoss, double gradNorm, double seconds, int tokens) {}

    public interface Listener { void step(Step s); }

    private final Model model;
    private final DifferentiableForward forward;
    private final Options o;
    private final WeightEdits edits;
    private final double[] target;

    public RmuUnlearner(Model model, Options options, WeightEdits edits) {
        this.model = model;
        this.forward = new DifferentiableForward(model);
        this.o = options;
        this.edits = edits;
        int dim = model.config().dim();
        Random r = new Random(options.seed());
        double[] u = new double[dim];
        double n = 0;
        for (int i = 0; i < dim; i++) { u[i] = r.nextDouble(); n += u[i] * u[i]; } // uniform in [0, 1), as in the paper
        n = Math.sqrt(n);
        target = new double[dim];
        for (int i = 0; i < dim; i++) target[i] = options.steeringCoeff() * u[i] / n;
    }

    public WeightEdits edits() { return edits; }

    /** The scaled random target c·u. */
    public double[] target() { return target.clone(); }

    public void train(List<int[]> forget, List<int[]> retain, AdamW opt, Listener listener) {
        if (forget.isEmpty() || retain.isEmpty()) throw new IllegalArgumentException("RMU needs forget and retain text");
        while (opt.steps() < o.steps()) {
            long t0 = System.nanoTime();
            Random rnd = new Random(o.seed() * 1_000_003L + opt.steps());
            int[] f = forget.get(rnd.nextInt(forget.size())), r = retain.get(rnd.nextInt(retain.size()));
            int dim = model.config().dim();

            Tape tape = new Tape();
            Tensor hf = afterBos(tape, forward.run(tape, f, edits.on(tape), o.layer(), false).residPost()[o.layer()]);
            double[] goal = new double[hf.size()];
            for (int i = 0; i < goal.length; i++) goal[i] = target[i % dim];
            Tensor forgetLoss = Elementwise.meanSquare(tape, Elementwise.sub(tape, hf, tape.constant(hf.rows, dim, goal)));
            tape.backward(Elementwise.scale(tape, forgetLoss, dim)); // mean over tokens of the squared norm

            Tape frozenTape = new Tape();
            double[] frozen = afterBos(frozenTape, forward.run(frozenTape, r, TrainingHooks.NONE, o.layer(), false).residPost()[o.layer()]).value;
            Tape tape2 = new Tape();
            Tensor hr = afterBos(tape2, forward.run(tape2, r, edits.on(tape2), o.layer(), false).residPost()[o.layer()]);
            Tensor retainLoss = Elementwise.meanSquare(tape2, Elementwise.sub(tape2, hr, tape2.constant(hr.rows, dim, frozen)));
            tape2.backward(Elementwise.scale(tape2, retainLoss, o.alpha() * dim));

            double gn = opt.step();
            if (listener != null)
                listener.step(new Step(opt.steps(), forgetLoss.item() * dim, retainLoss.item() * dim, gn, (System.nanoTime() - t0) / 1e9, 2 * (f.length + r.length)));
        }
    }

    /** Mean ‖h_ℓ‖ over the tokens after BOS of the given texts, with or without the edits. */
    public double meanActivationNorm(List<int[]> texts, boolean edited) {
        double sum = 0;
        int count = 0;
        for (int[] t : texts) {
            Tape tape = new Tape();
            Tensor h = afterBos(tape, forward.run(tape, t, edited ? edits.on(tape) : TrainingHooks.NONE, o.layer(), false).residPost()[o.layer()]);
            for (int r = 0; r < h.rows; r++) {
                double ss = 0;
                for (int j = 0; j < h.cols; j++) ss += h.value[r * h.cols + j] * h.value[r * h.cols + j];
                sum += Math.sqrt(ss);
                count++;
            }
        }
        return sum / Math.max(1, count);
    }

    private static Tensor afterBos(Tape tape, Tensor h) {
        if (h.rows < 2) throw new IllegalArgumentException("a text must have at least one token after BOS");
        int[] rows = new int[h.rows - 1];
        Arrays.setAll(rows, i -> i + 1);
        return Elementwise.rows(tape, h, rows);
    }

    /** The trained weights. */
    public List<Param> params() { return edits.params(); }
}
