package dev.steer4j.train.grad;

import java.util.ArrayList;
import java.util.List;

/**
 * Reverse-mode automatic differentiation by recording: every op appends the rule that pushes its output gradient
 * back into its inputs, and {@link #backward} runs the rules in reverse order. One tape serves one forward pass;
 * parameters keep their values across tapes ({@link Param}). Ops whose inputs need no gradient record nothing.
 */
public final class Tape {
    private final List<Runnable> rules = new ArrayList<>();
    private boolean done;

    /** A constant input (no gradient). The array is used, not copied. */
    public Tensor constant(int rows, int cols, double[] value) {
        return new Tensor(rows, cols, value, false);
    }

    /** A leaf whose gradient is wanted (used by tests and by inputs being optimised directly). */
    public Tensor variable(int rows, int cols, double[] value) {
        return new Tensor(rows, cols, value, true);
    }

    /** Puts a parameter on this tape; backward adds the tensor's gradient into {@link Param#grad}. */
    public Tensor param(Param p) {
        Tensor t = new Tensor(p.rows, p.cols, p.value, true);
        record(() -> {
            if (t.grad == null) return;
            for (int i = 0; i < t.grad.length; i++) p.grad[i] += t.grad[i];
        });
        // The rule above must run after every use of t, i.e. first in recording order: move it to the front.
        rules.addFirst(rules.removeLast());
        return t;
    }

    /** A new output tensor that needs a gradient when any of its inputs does. */
    Tensor output(int rows, int cols, boolean requiresGrad) {
        return new Tensor(rows, cols, new double[rows * cols], requiresGrad);
    }

    static boolean anyGrad(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.requiresGrad) return true;
        return false;
    }

    /** Records a backward rule (ops call this only when their output requires a gradient). */
    void record(Runnable rule) {
        if (done) throw new IllegalStateException("this tape has already run backward");
        rules.add(rule);
    }

    /** Seeds d loss / d loss = 1 and runs every rule in reverse. A tape runs backward once. */
    public void backward(Tensor loss) {
        if (loss.size() != 1) throw new IllegalArgumentException("backward needs a scalar loss, got " + loss);
        if (!loss.requiresGrad) throw new IllegalArgumentException("the loss does not depend on anything trainable");
        if (done) throw new IllegalStateException("this tape has already run backward");
        loss.grad()[0] += 1;
        for (int i = rules.size() - 1; i >= 0; i--) rules.get(i).run();
        done = true;
    }

    /** Number of recorded backward rules. */
    public int size() { return rules.size(); }
}
