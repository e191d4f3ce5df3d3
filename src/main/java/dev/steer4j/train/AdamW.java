package dev.steer4j.train;

import dev.steer4j.train.grad.Param;

import java.util.List;

/**
 * AdamW (Loshchilov and Hutter) with decoupled weight decay and clipping of the global gradient norm. Deterministic:
 * the update depends only on the gradients, the hyper-parameters and the step count, which a checkpoint restores
 * together with both moment estimates ({@link #state}).
 */
public final class AdamW {
    /** Hyper-parameters; {@code clip} ≤ 0 disables clipping. */
    public record Settings(double lr, double beta1, double beta2, double eps, double weightDecay, double clip) {
        public static Settings defaults(double lr) { return new Settings(lr, 0.9, 0.999, 1e-8, 0.0, 1.0); }
    }

    private final List<Param> params;
    private final Settings s;
    private final double[][] m, v;
    private long step;

    public AdamW(List<Param> params, Settings settings) {
        if (settings.lr() <= 0 || !Double.isFinite(settings.lr())) throw new IllegalArgumentException("learning rate must be positive, got " + settings.lr());
        this.params = List.copyOf(params);
        this.s = settings;
        this.m = new double[params.size()][];
        this.v = new double[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            m[i] = new double[params.get(i).value.length];
            v[i] = new double[params.get(i).value.length];
        }
    }

    /** Global L2 norm of every parameter's gradient (before clipping). */
    public double gradNorm() {
        double ss = 0;
        for (Param p : params) for (double g : p.grad) ss += g * g;
        return Math.sqrt(ss);
    }

    /** One update from the accumulated gradients, then zeroes them. Returns the gradient norm before clipping. */
    public double step() {
        double norm = gradNorm();
        if (!Double.isFinite(norm)) throw new ArithmeticException("the gradient is not finite (norm " + norm + ")");
        double scale = s.clip() > 0 && norm > s.clip() ? s.clip() / norm : 1;
        step++;
        double bc1 = 1 - Math.pow(s.beta1(), step), bc2 = 1 - Math.pow(s.beta2(), step);
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            for (int j = 0; j < p.value.length; j++) {
                double g = p.grad[j] * scale;
                m[i][j] = s.beta1() * m[i][j] + (1 - s.beta1()) * g;
                v[i][j] = s.beta2() * v[i][j] + (1 - s.beta2()) * g * g;
                double update = (m[i][j] / bc1) / (Math.sqrt(v[i][j] / bc2) + s.eps());
                p.value[j] -= s.lr() * (update + s.weightDecay() * p.value[j]);
            }
            p.zeroGrad();
        }
        return norm;
    }

    public long steps() { return step; }

    /** The optimiser's state, for a checkpoint: the step count and both moments of every parameter. */
    public State state() {
        double[][] mc = new double[m.length][], vc = new double[v.length][];
        for (int i = 0; i < m.length; i++) { mc[i] = m[i].clone(); vc[i] = v[i].clone(); }
        return new State(step, mc, vc);
    }

    /** Restores a checkpointed state; shapes must match the parameters. */
    public void restore(State st) {
        if (st.m().length != m.length) throw new IllegalArgumentException("checkpoint has " + st.m().length + " parameters, expected " + m.length);
        for (int i = 0; i < m.length; i++) {
            if (st.m()[i].length != m[i].length || st.v()[i].length != v[i].length)
                throw new IllegalArgumentException("checkpoint parameter " + params.get(i).name + " has " + st.m()[i].length + " values, expected " + m[i].length);
            System.arraycopy(st.m()[i], 0, m[i], 0, m[i].length);
            System.arraycopy(st.v()[i], 0, v[i], 0, v[i].length);
        }
        step = st.step();
    }

    public record State(long step, double[][] m, double[][] v) {}
}
