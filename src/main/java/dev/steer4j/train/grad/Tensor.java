package dev.steer4j.train.grad;

import java.util.Arrays;

/**
 * A row-major matrix of doubles on a {@link Tape}: its value and, when it takes part in a gradient, its gradient.
 * Training runs in double precision so that every backward rule can be checked against float64 finite differences,
 * and so that small gradients on tiny models are not lost to rounding.
 */
public final class Tensor {
    public final int rows;
    public final int cols;
    public final double[] value;
    final boolean requiresGrad;
    double[] grad;

    Tensor(int rows, int cols, double[] value, boolean requiresGrad) {
        if (value.length != (long) rows * cols)
            throw new IllegalArgumentException("tensor of " + rows + "x" + cols + " given " + value.length + " values");
        this.rows = rows;
        this.cols = cols;
        this.value = value;
        this.requiresGrad = requiresGrad;
    }

    /** True when a gradient flows into this tensor. */
    public boolean requiresGrad() { return requiresGrad; }

    /** The gradient (zeros until backward has run), allocated on first use. */
    public double[] grad() {
        if (grad == null) grad = new double[value.length];
        return grad;
    }

    public int size() { return value.length; }

    /** The single value of a 1 x 1 tensor. */
    public double item() {
        if (value.length != 1) throw new IllegalStateException("item() of a " + rows + "x" + cols + " tensor");
        return value[0];
    }

    /** A copy of row {@code r}. */
    public double[] row(int r) { return Arrays.copyOfRange(value, r * cols, (r + 1) * cols); }

    @Override
    public String toString() { return "Tensor[" + rows + "x" + cols + (requiresGrad ? ", grad" : "") + "]"; }
}
