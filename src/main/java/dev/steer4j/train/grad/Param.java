package dev.steer4j.train.grad;

/**
 * A trainable parameter: a named matrix whose value persists across steps and whose gradient the optimiser reads.
 * Each step puts it on a fresh {@link Tape} with {@link Tape#param}; gradients accumulate into {@link #grad} until
 * {@link #zeroGrad}.
 */
public final class Param {
    public final String name;
    public final int rows;
    public final int cols;
    public final double[] value;
    public final double[] grad;

    public Param(String name, int rows, int cols) {
        this(name, rows, cols, new double[rows * cols]);
    }

    public Param(String name, int rows, int cols, double[] value) {
        if (value.length != rows * cols) throw new IllegalArgumentException(name + ": " + rows + "x" + cols + " given " + value.length + " values");
        this.name = name;
        this.rows = rows;
        this.cols = cols;
        this.value = value;
        this.grad = new double[value.length];
    }

    public void zeroGrad() { java.util.Arrays.fill(grad, 0); }

    /** Euclidean norm of the value. */
    public double norm() {
        double s = 0;
        for (double v : value) s += v * v;
        return Math.sqrt(s);
    }

    @Override
    public String toString() { return "Param[" + name + " " + rows + "x" + cols + "]"; }
}
