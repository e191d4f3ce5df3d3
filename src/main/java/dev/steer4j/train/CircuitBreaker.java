package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.train.grad.Elementwise;
import dev.steer4j.train.grad.Losses;
import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Circuit breakers by Representation Rerouting (Zou et al. 2024, "Improving Alignment and Robustness with Circuit
 * Breakers"). LoRA weights are trained so that, at the target layers, the representations of the circuit-breaker set
 * (harmful text) turn orthogonal to what the original model computes there, while those of the retain set stay put:
 * <pre>
 *   L  = c_s · mean_tokens ReLU(cos(h_lora(x_cb), h_orig(x_cb)))  +  c_r · mean_tokens ‖h_lora(x_r) − h_orig(x_r)‖₂
 *   c_s = α (1 − t / 2T),   c_r = α t / 2T        (step t of T)
 * </pre>
 * h is the residual stream after a block ({@code blocks.L.hook_resid_post}); the rerouting mean runs over every token
 * after BOS and every target layer, the retain mean over every token after BOS and every retain layer (by default
 * every block up to the last target layer: the paper's code retains all hidden states). Only blocks up to the last target layer run, so the LoRA layers must not lie
 * beyond it (later blocks would not change the loss; retaining h at the last target layer then keeps the whole
 * output on retain text). Each step draws {@code batch} texts from each set with {@code Random(seed · 1000003 + t)},
 * so an interrupted and resumed run equals an uninterrupted one.
 */
public final class CircuitBreaker {
    /**
     * @param targetLayers blocks whose output the losses read (the paper: layers 10 and 20 of Llama-3-8B's 32)
     * @param alpha        α of the coefficient schedule (the paper: 10)
     */
    public record Options(int[] targetLayers, int[] retainLayers, double alpha, int steps, int batch, long seed) {
        public Options {
            if (targetLayers.length == 0) throw new IllegalArgumentException("at least one target layer is needed");
            if (retainLayers.length == 0) throw new IllegalArgumentException("at least one retain layer is needed");
            if (steps <= 0) throw new IllegalArgumentException("steps must be positive, got " + steps);
            if (batch <= 0) throw new IllegalArgumentException("batch must be positive, got " + batch);
            if (!(alpha > 0) || !Double.isFinite(alpha)) throw new IllegalArgumentException("alpha must be positive, got " + alpha);
            targetLayers = Arrays.stream(targetLayers).sorted().distinct().toArray();
            retainLayers = Arrays.stream(retainLayers).sorted().distinct().toArray();
        }

        /** Retain at every block from 0 to the last target layer, as the paper's code retains every hidden state. */
        public static int[] allUpTo(int[] targetLayers) {
            return java.util.stream.IntStream.rangeClosed(0, Arrays.stream(targetLayers).max().orElse(0)).toArray();
        }
    }

    /**
     * One step's figures: the total loss, the mean ReLU(cos) on the circuit-breaker texts and the mean retain
     * distance on the retain texts (both before the update), the two coefficients, and the gradient norm.
     */
    public record Step(long step, double loss, double rerouteCosine, double retainDistance, double cs, double cr,
                       double gradNorm, double seconds, int tokens) {}

    public interface Listener { void step(Step s); }

    /** Representation change at the target layers, LoRA against the original: mean cosine and mean L2 distance. */
    public record Shift(double cosine, double distance, int tokens) {}

    private final DifferentiableForward forward;
    private final Lora lora;
    private final Options o;
    private final int last;

    public CircuitBreaker(Model model, Lora lora, Options options) {
        this.forward = new DifferentiableForward(model);
        this.lora = lora;
        this.o = options;
        int n = model.config().layers();
        int lastTarget = options.targetLayers()[options.targetLayers().length - 1];
        this.last = Math.max(lastTarget, options.retainLayers()[options.retainLayers().length - 1]);
        if (options.targetLayers()[0] < 0 || lastTarget >= n)
            throw new IllegalArgumentException("target layers " + Arrays.toString(options.targetLayers()) + " must lie in 0-" + (n - 1));
        if (options.retainLayers()[0] < 0 || last >= n)
            throw new IllegalArgumentException("retain layers " + Arrays.toString(options.retainLayers()) + " must lie in 0-" + (n - 1));
        if (lora.lastLayer() > lastTarget)
            throw new IllegalArgumentException("LoRA layer " + lora.lastLayer() + " lies after the last target layer " + lastTarget
                    + ": it cannot change the representations the rerouting loss reads; choose LoRA layers up to " + lastTarget);
    }

    public Lora lora() { return lora; }

    public Options options() { return o; }

    /** c_s at step t (0-based). */
    public double rerouteCoefficient(long t) { return o.alpha() * (1 - t / (2.0 * o.steps())); }

    /** c_r at step t (0-based). */
    public double retainCoefficient(long t) { return o.alpha() * t / (2.0 * o.steps()); }

    /** Trains until the optimiser has taken {@code options.steps}; a restored optimiser continues where it stopped. */
    public void train(List<int[]> circuitBreakerSet, List<int[]> retainSet, AdamW opt, Listener listener) {
        if (circuitBreakerSet.isEmpty() || retainSet.isEmpty()) throw new IllegalArgumentException("circuit breakers need harmful and retain texts");
        List<double[][]> cbOrig = originals(circuitBreakerSet, o.targetLayers()), retainOrig = originals(retainSet, o.retainLayers());
        while (opt.steps() < o.steps()) {
            long t0 = System.nanoTime();
            long t = opt.steps();
            double cs = rerouteCoefficient(t), cr = retainCoefficient(t);
            Random rnd = new Random(o.seed() * 1_000_003L + t);
            double loss = 0, cos = 0, dist = 0;
            int tokens = 0;
            for (int b = 0; b < o.batch(); b++) {
                int i = rnd.nextInt(circuitBreakerSet.size()), j = rnd.nextInt(retainSet.size());
                Tape tape = new Tape();
                Tensor reroute = rerouteLoss(tape, circuitBreakerSet.get(i), cbOrig.get(i));
                cos += reroute.item() / o.batch();
                if (reroute.requiresGrad()) tape.backward(Elementwise.scale(tape, reroute, cs / o.batch()));
                Tape tape2 = new Tape();
                Tensor retain = retainLoss(tape2, retainSet.get(j), retainOrig.get(j));
                dist += retain.item() / o.batch();
                if (retain.requiresGrad()) tape2.backward(Elementwise.scale(tape2, retain, cr / o.batch()));
                loss += (cs * reroute.item() + cr * retain.item()) / o.batch();
                tokens += circuitBreakerSet.get(i).length + retainSet.get(j).length;
            }
            double gn = opt.step();
            if (listener != null) listener.step(new Step(opt.steps(), loss, cos, dist, cs, cr, gn, (System.nanoTime() - t0) / 1e9, tokens));
        }
    }

    /** Mean over tokens after BOS and target layers of ReLU(cos(h_lora, h_orig)). */
    Tensor rerouteLoss(Tape tape, int[] text, double[][] orig) {
        Tensor[] h = forward.run(tape, text, lora, last, false).residPost();
        Tensor sum = null;
        int count = 0;
        for (int k = 0; k < o.targetLayers().length; k++) {
            Tensor hl = afterBos(tape, h[o.targetLayers()[k]]);
            Tensor cos = Losses.cosineRows(tape, hl, tape.constant(hl.rows, hl.cols, orig[k]));
            count += cos.rows;
            List<Integer> positive = new ArrayList<>();
            for (int r = 0; r < cos.rows; r++) if (cos.value[r] > 0) positive.add(r);
            if (positive.isEmpty()) continue; // ReLU: no gradient where the cosine is already ≤ 0
            Tensor s = Elementwise.sum(tape, Elementwise.rows(tape, cos, positive.stream().mapToInt(Integer::intValue).toArray()));
            sum = sum == null ? s : Elementwise.add(tape, sum, s);
        }
        if (sum == null) return tape.constant(1, 1, new double[]{0});
        return Elementwise.scale(tape, sum, 1.0 / count);
    }

    /** Mean over tokens after BOS and retain layers of ‖h_lora − h_orig‖₂. */
    Tensor retainLoss(Tape tape, int[] text, double[][] orig) {
        Tensor[] h = forward.run(tape, text, lora, last, false).residPost();
        Tensor sum = null;
        int count = 0;
        for (int k = 0; k < o.retainLayers().length; k++) {
            Tensor hl = afterBos(tape, h[o.retainLayers()[k]]);
            Tensor d = Losses.normRows(tape, Elementwise.sub(tape, hl, tape.constant(hl.rows, hl.cols, orig[k])));
            count += d.rows;
            Tensor s = Elementwise.sum(tape, d);
            sum = sum == null ? s : Elementwise.add(tape, sum, s);
        }
        return Elementwise.scale(tape, sum, 1.0 / count);
    }

    /** The original model's representations after BOS at each of {@code layers}, per text. */
    private List<double[][]> originals(List<int[]> texts, int[] layers) {
        List<double[][]> out = new ArrayList<>();
        for (int[] t : texts) out.add(original(t, layers));
        return out;
    }

    private double[][] original(int[] text, int[] layers) {
        Tape tape = new Tape();
        Tensor[] h = forward.run(tape, text, TrainingHooks.NONE, last, false).residPost();
        double[][] out = new double[layers.length][];
        for (int k = 0; k < out.length; k++) out[k] = afterBos(tape, h[layers[k]]).value;
        return out;
    }

    /** Mean cosine and L2 distance between the LoRA and the original representations at the target layers. */
    public Shift shift(List<int[]> texts) {
        double cos = 0, dist = 0;
        int n = 0;
        for (int[] text : texts) {
            double[][] orig = original(text, o.targetLayers());
            Tape tape = new Tape();
            Tensor[] h = forward.run(tape, text, lora, last, false).residPost();
            for (int k = 0; k < orig.length; k++) {
                Tensor hl = afterBos(tape, h[o.targetLayers()[k]]);
                Tensor o1 = tape.constant(hl.rows, hl.cols, orig[k]);
                Tensor c = Losses.cosineRows(tape, hl, o1), d = Losses.normRows(tape, Elementwise.sub(tape, hl, o1));
                for (int r = 0; r < c.rows; r++) { cos += c.value[r]; dist += d.value[r]; n++; }
            }
        }
        if (n == 0) throw new IllegalArgumentException("no tokens after BOS to measure");
        return new Shift(cos / n, dist / n, n);
    }

    private static Tensor afterBos(Tape tape, Tensor h) {
        if (h.rows < 2) throw new IllegalArgumentException("a text must have at least one token after BOS");
        int[] rows = new int[h.rows - 1];
        Arrays.setAll(rows, i -> i + 1);
        return Elementwise.rows(tape, h, rows);
    }
}
