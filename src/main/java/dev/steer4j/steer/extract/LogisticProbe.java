package dev.steer4j.steer.extract;

import java.util.List;

/**
 * L2-regularised logistic regression on standardised features, fitted with L-BFGS (deterministic: starts at zero,
 * no sampling). The two classes are weighted to equal total weight, so an unbalanced pair of lists (260 harmful
 * vs 18793 harmless prompts) does not tilt the boundary.
 *
 * <p>Loss: {@code mean_w[-y log p - (1-y) log(1-p)] + (lambda / 2) |w|^2} over standardised features z = (x - mu) /
 * sigma, with an unregularised bias. The probe direction in activation space is the gradient of the logit,
 * {@code w / sigma}.
 */
public final class LogisticProbe {
    /** Default L2 strength on standardised weights. */
    public static final double DEFAULT_L2 = 1e-2;
    private static final int HISTORY = 10;

    /**
     * @param direction  w / sigma, the logit's gradient in raw activation space (not normalised)
     * @param bias       logit = direction . x + bias
     * @param iterations L-BFGS iterations used
     * @param loss       final regularised loss
     */
    public record Fit(double[] direction, double bias, int iterations, double loss, boolean converged) {
        public double logit(float[] x) { return Stats.dot(x, direction) + bias; }
    }

    private LogisticProbe() {}

    public static Fit fit(List<float[]> positives, List<float[]> negatives, double l2, int maxIterations) {
        if (positives.isEmpty() || negatives.isEmpty()) throw new IllegalArgumentException("a probe needs examples of both classes");
        int d = positives.get(0).length;
        int n = positives.size() + negatives.size();
        double[][] z = new double[n][];
        double[] y = new double[n], sw = new double[n];
        double[] mu = new double[d], sigma = new double[d];
        int k = 0;
        for (float[] r : positives) { z[k] = toDouble(r); y[k] = 1; sw[k] = 0.5 / positives.size(); k++; }
        for (float[] r : negatives) { z[k] = toDouble(r); y[k] = 0; sw[k] = 0.5 / negatives.size(); k++; }
        for (double[] r : z) for (int i = 0; i < d; i++) mu[i] += r[i] / n;
        for (double[] r : z) for (int i = 0; i < d; i++) sigma[i] += (r[i] - mu[i]) * (r[i] - mu[i]) / n;
        sigma = scales(sigma);
        for (double[] r : z) for (int i = 0; i < d; i++) r[i] = (r[i] - mu[i]) / sigma[i];
        return fit(new Objective(z, y, sw, l2), mu, sigma, maxIterations);
    }

    /** The weighted, regularised loss over standardised features and its gradient (weights, then the bias). */
    @FunctionalInterface
    public interface Loss {
        /** Fills {@code grad} (length d + 1) and returns the loss at {@code theta}. */
        double eval(double[] theta, double[] grad);
    }

    /**
     * Per-feature scales from per-feature variances, as {@link #fit(List, List, double, int)} standardises: the
     * standard deviation, with a feature that never varies kept at scale 1 (it carries no information; dividing by
     * about 0 would blow it up).
     */
    public static double[] scales(double[] variance) {
        int d = variance.length;
        double[] sigma = new double[d];
        double maxSd = 0;
        for (int i = 0; i < d; i++) { sigma[i] = Math.sqrt(variance[i]); maxSd = Math.max(maxSd, sigma[i]); }
        for (int i = 0; i < d; i++) if (sigma[i] <= 1e-8 * Math.max(maxSd, 1e-30)) sigma[i] = 1;
        return sigma;
    }

    /**
     * Adds one sample's weighted logistic-loss gradient to {@code grad} and returns its loss term: {@code z} the
     * standardised sample, {@code y} 1 for a positive and 0 for a negative, {@code w} its weight (0.5 / class size).
     */
    public static double addSample(double[] theta, double[] z, double y, double w, double[] grad) {
        int d = theta.length - 1;
        double t = theta[d];
        for (int i = 0; i < d; i++) t += theta[i] * z[i];
        // log(1 + e^t) - y t, computed stably
        double softplus = t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t));
        double p = 1 / (1 + Math.exp(-t));
        double g = w * (p - y);
        for (int i = 0; i < d; i++) grad[i] += g * z[i];
        grad[d] += g;
        return w * (softplus - y * t);
    }

    /** Adds the L2 penalty on the weights (not the bias) to {@code grad} and {@code loss}; returns the new loss. */
    public static double addPenalty(double[] theta, double l2, double[] grad, double loss) {
        for (int i = 0; i < theta.length - 1; i++) {
            loss += 0.5 * l2 * theta[i] * theta[i];
            grad[i] += l2 * theta[i];
        }
        return loss;
    }

    /**
     * Fits the probe from a loss summed elsewhere (for example across machines, steer4j-spark) with the same
     * L-BFGS as {@link #fit(List, List, double, int)}; {@code mu} and {@code sigma} are the standardisation the loss
     * uses, and map the weights back to raw activation space.
     */
    public static Fit fit(Loss f, double[] mu, double[] sigma, int maxIterations) {
        int d = mu.length;
        double[] theta = new double[d + 1]; // weights, then bias
        Result res = lbfgs(f, theta, maxIterations);
        double[] dir = new double[d];
        double bias = res.x[d];
        for (int i = 0; i < d; i++) {
            dir[i] = res.x[i] / sigma[i];
            bias -= dir[i] * mu[i];
        }
        return new Fit(dir, bias, res.iterations, res.loss, res.converged);
    }

    private static double[] toDouble(float[] r) {
        double[] o = new double[r.length];
        for (int i = 0; i < r.length; i++) o[i] = r[i];
        return o;
    }

    /** Weighted, regularised logistic loss and its gradient over samples in memory. */
    private record Objective(double[][] z, double[] y, double[] w, double l2) implements Loss {
        @Override
        public double eval(double[] theta, double[] grad) {
            java.util.Arrays.fill(grad, 0);
            double loss = 0;
            for (int k = 0; k < z.length; k++) loss += addSample(theta, z[k], y[k], w[k], grad);
            return addPenalty(theta, l2, grad, loss);
        }
    }

    private record Result(double[] x, double loss, int iterations, boolean converged) {}

    /** Limited-memory BFGS with a backtracking (Armijo) line search. */
    private static Result lbfgs(Loss f, double[] x, int maxIterations) {
        int n = x.length;
        double[] g = new double[n];
        double fx = f.eval(x, g);
        double[][] s = new double[HISTORY][], yv = new double[HISTORY][];
        double[] rho = new double[HISTORY];
        int stored = 0, head = 0;
        double[] alpha = new double[HISTORY];
        for (int it = 1; it <= maxIterations; it++) {
            double gnorm = Math.sqrt(Stats.dot(g, g));
            if (gnorm < 1e-9) return new Result(x, fx, it - 1, true);
            // two-loop recursion: direction = -H g
            double[] q = g.clone();
            for (int j = 0; j < stored; j++) {
                int idx = Math.floorMod(head - 1 - j, HISTORY);
                alpha[idx] = rho[idx] * Stats.dot(s[idx], q);
                for (int i = 0; i < n; i++) q[i] -= alpha[idx] * yv[idx][i];
            }
            double gamma = 1;
            if (stored > 0) {
                int last = Math.floorMod(head - 1, HISTORY);
                gamma = Stats.dot(s[last], yv[last]) / Stats.dot(yv[last], yv[last]);
            }
            for (int i = 0; i < n; i++) q[i] *= gamma;
            for (int j = stored - 1; j >= 0; j--) {
                int idx = Math.floorMod(head - 1 - j, HISTORY);
                double beta = rho[idx] * Stats.dot(yv[idx], q);
                for (int i = 0; i < n; i++) q[i] += s[idx][i] * (alpha[idx] - beta);
            }
            double[] dir = new double[n];
            for (int i = 0; i < n; i++) dir[i] = -q[i];
            double slope = Stats.dot(dir, g);
            if (slope >= 0) { // not a descent direction: restart from steepest descent
                for (int i = 0; i < n; i++) dir[i] = -g[i];
                slope = -gnorm * gnorm;
                stored = 0;
            }
            double step = stored == 0 && it == 1 ? Math.min(1, 1 / gnorm) : 1;
            double[] xn = new double[n], gn = new double[n];
            double fn;
            int tries = 0;
            while (true) {
                for (int i = 0; i < n; i++) xn[i] = x[i] + step * dir[i];
                fn = f.eval(xn, gn);
                if (fn <= fx + 1e-4 * step * slope) break;
                step *= 0.5;
                if (++tries > 60) return new Result(x, fx, it, false);
            }
            double[] sk = new double[n], yk = new double[n];
            for (int i = 0; i < n; i++) { sk[i] = xn[i] - x[i]; yk[i] = gn[i] - g[i]; }
            double sy = Stats.dot(sk, yk);
            if (sy > 1e-12) {
                s[head] = sk; yv[head] = yk; rho[head] = 1 / sy;
                head = (head + 1) % HISTORY;
                stored = Math.min(stored + 1, HISTORY);
            }
            boolean small = Math.abs(fx - fn) <= 1e-12 * Math.max(1, Math.abs(fx));
            x = xn; g = gn; fx = fn;
            if (small) return new Result(x, fx, it, true);
        }
        return new Result(x, fx, maxIterations, false);
    }
}
