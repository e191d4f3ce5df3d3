package dev.steer4j.guard;

import dev.steer4j.util.Similarity;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookRegistry;
import dev.steer4j.runtime.SequenceState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Calibrates a {@link Detector} from two labelled prompt sets.
 *
 * <ol>
 * <li>Each set is shuffled (seeded) and split: a {@code holdout} fraction of each set is kept aside (at least one
 *     prompt per set when the fraction is above 0 and the set has two or more prompts).</li>
 * <li>Every prompt runs once; at every layer its activation is the mean of resid_post over rows 1..n-1 (the score's
 *     own definition, see {@link Detector}).</li>
 * <li>Per layer, on the training split: direction = mean(positive) - mean(negative); score = cosine of each prompt's
 *     activation with it; threshold = the midpoint between adjacent sorted scores that maximises Youden's J
 *     (TPR - FPR).</li>
 * <li>The layer with the highest training J wins; ties go to the larger standardised gap
 *     (mean score difference over the pooled standard deviation).</li>
 * <li>TPR and FPR are measured on the held-out split with the chosen layer, direction and threshold.</li>
 * </ol>
 */
public final class Calibrator {
    private Calibrator() {}

    /** One layer's training result. */
    public record LayerStats(int layer, double trainTpr, double trainFpr, double youden, double gap, double threshold) {}

    /** The calibrated detector and how it did. */
    public record Result(Detector detector, List<LayerStats> layers, int trainPositive, int trainNegative,
                         int holdoutPositive, int holdoutNegative, double holdoutTpr, double holdoutFpr) {
        /** A human-readable table of the per-layer separation and the held-out rates. */
        public String report() {
            StringBuilder sb = new StringBuilder();
            sb.append(String.format("layer  train-TPR  train-FPR  youden-J  gap(d')  threshold%n"));
            for (LayerStats l : layers) {
                sb.append(String.format("%5d  %9.3f  %9.3f  %8.3f  %7.2f  %9.4f%s%n", l.layer(), l.trainTpr(), l.trainFpr(), l.youden(),
                        l.gap(), l.threshold(), l.layer() == detector.layer() ? "  <- chosen" : ""));
            }
            sb.append(String.format("detector '%s': layer %d, threshold %.4f (cosine), trained on %d positive + %d negative prompts%n",
                    detector.name(), detector.layer(), detector.threshold(), trainPositive, trainNegative));
            if (holdoutPositive + holdoutNegative > 0)
                sb.append(String.format("held-out: TPR %.3f (%d positive), FPR %.3f (%d negative)%n", holdoutTpr, holdoutPositive, holdoutFpr, holdoutNegative));
            else sb.append("held-out: none (--holdout 0)\n");
            return sb.toString();
        }
    }

    /**
     * @param layers the layers to consider, or null for all
     */
    public static Result calibrate(Model model, String name, List<String> positive, List<String> negative,
                                   double holdout, long seed, int[] layers, GuardPolicy policy) {
        if (positive.size() < 2 || negative.size() < 2)
            throw new IllegalArgumentException("calibration needs at least 2 positive and 2 negative prompts, got " + positive.size() + " and " + negative.size());
        if (!(holdout >= 0 && holdout < 1)) throw new IllegalArgumentException("holdout must be in [0, 1), got " + holdout);
        int nl = model.config().layers();
        if (layers == null) {
            layers = new int[nl];
            for (int i = 0; i < nl; i++) layers[i] = i;
        }
        for (int l : layers) if (l < 0 || l >= nl) throw new IllegalArgumentException("layer " + l + " does not exist (the model has layers 0-" + (nl - 1) + ")");

        List<String> pos = new ArrayList<>(positive), neg = new ArrayList<>(negative);
        Random rnd = new Random(seed);
        Collections.shuffle(pos, rnd);
        Collections.shuffle(neg, rnd);
        int hp = holdoutCount(pos.size(), holdout), hn = holdoutCount(neg.size(), holdout);
        List<String> trainP = pos.subList(0, pos.size() - hp), testP = pos.subList(pos.size() - hp, pos.size());
        List<String> trainN = neg.subList(0, neg.size() - hn), testN = neg.subList(neg.size() - hn, neg.size());

        ForwardPass fp = new ForwardPass(model);
        double[][][] aTrainP = activations(fp, trainP, layers), aTrainN = activations(fp, trainN, layers);
        double[][][] aTestP = activations(fp, testP, layers), aTestN = activations(fp, testN, layers);

        List<LayerStats> stats = new ArrayList<>();
        int best = -1;
        float[][] dirs = new float[layers.length][];
        for (int li = 0; li < layers.length; li++) {
            int dim = model.config().dim();
            double[] mp = mean(aTrainP, li, dim), mn = mean(aTrainN, li, dim);
            float[] dir = new float[dim];
            for (int i = 0; i < dim; i++) dir[i] = (float) (mp[i] - mn[i]);
            dirs[li] = dir;
            double[] sp = scores(aTrainP, li, dir), sn = scores(aTrainN, li, dir);
            double[] th = bestThreshold(sp, sn);
            double tpr = rate(sp, th[0]), fpr = rate(sn, th[0]);
            stats.add(new LayerStats(layers[li], tpr, fpr, tpr - fpr, gap(sp, sn), th[0]));
            if (best < 0 || better(stats.get(li), stats.get(best))) best = li;
        }
        LayerStats chosen = stats.get(best);
        double[] tp = scores(aTestP, best, dirs[best]), tn = scores(aTestN, best, dirs[best]);
        double htpr = tp.length == 0 ? Double.NaN : rate(tp, chosen.threshold());
        double hfpr = tn.length == 0 ? Double.NaN : rate(tn, chosen.threshold());
        Map<String, Object> cal = new LinkedHashMap<>();
        cal.put("train_positive", trainP.size());
        cal.put("train_negative", trainN.size());
        cal.put("holdout_positive", testP.size());
        cal.put("holdout_negative", testN.size());
        cal.put("holdout_tpr", Double.isNaN(htpr) ? null : htpr);
        cal.put("holdout_fpr", Double.isNaN(hfpr) ? null : hfpr);
        cal.put("train_youden_j", chosen.youden());
        cal.put("seed", seed);
        Detector d = new Detector(name, chosen.layer(), dirs[best], chosen.threshold(), policy, null, null, 1.0, cal);
        return new Result(d, stats, trainP.size(), trainN.size(), testP.size(), testN.size(), htpr, hfpr);
    }

    private static boolean better(LayerStats a, LayerStats b) {
        if (a.youden() != b.youden()) return a.youden() > b.youden();
        return a.gap() > b.gap();
    }

    static int holdoutCount(int n, double holdout) {
        if (holdout <= 0 || n < 2) return 0;
        return Math.min(n - 1, Math.max(1, (int) Math.round(n * holdout)));
    }

    /**
     * The score's activation for each prompt and layer: the mean of resid_post over rows 1..n-1 (row 0 for a
     * one-token prompt). Result [prompt][layer index][dim].
     */
    public static double[][][] activations(ForwardPass fp, List<String> prompts, int[] layers) {
        Model model = fp.model();
        int dim = model.config().dim();
        double[][][] out = new double[prompts.size()][layers.length][dim];
        for (int p = 0; p < prompts.size(); p++) {
            int[] tokens = model.tokenizer().encode(prompts.get(p));
            if (tokens.length == 0) throw new IllegalArgumentException("prompt " + (p + 1) + " is empty");
            SequenceState seq = new SequenceState(model, tokens.length);
            seq.setPromptLength(tokens.length);
            List<HookRegistry.Registration> regs = new ArrayList<>();
            final double[][] sums = out[p];
            for (int li = 0; li < layers.length; li++) {
                final double[] sum = sums[li];
                regs.add(seq.hooks().add(HookPoint.residPost(layers[li]), a -> {
                    for (int r = 0; r < a.rows(); r++) {
                        int pos = a.position(r);
                        if (pos == 0 && tokens.length > 1) continue;
                        int off = a.offset(r);
                        float[] d = a.data();
                        for (int i = 0; i < dim; i++) sum[i] += d[off + i];
                    }
                }));
            }
            for (int from = 0; from < tokens.length; from += ForwardPass.PREFILL_CHUNK) {
                int count = Math.min(ForwardPass.PREFILL_CHUNK, tokens.length - from);
                fp.forward(seq, Arrays.copyOfRange(tokens, from, from + count), false);
            }
            for (HookRegistry.Registration r : regs) r.close();
            int rows = tokens.length > 1 ? tokens.length - 1 : 1;
            for (double[] s : sums) for (int i = 0; i < dim; i++) s[i] /= rows;
        }
        return out;
    }

    private static double[] mean(double[][][] acts, int li, int dim) {
        double[] m = new double[dim];
        for (double[][] a : acts) for (int i = 0; i < dim; i++) m[i] += a[li][i];
        for (int i = 0; i < dim; i++) m[i] /= acts.length;
        return m;
    }

    /** Cosine of each prompt's activation with the direction (the detector score). */
    public static double[] scores(double[][][] acts, int li, float[] dir) {
        double[] s = new double[acts.length];
        for (int p = 0; p < acts.length; p++) s[p] = Similarity.cosine(acts[p][li], dir);
        return s;
    }

    /** The threshold (midpoint between adjacent scores) with the best TPR - FPR; returns {threshold, J}. */
    static double[] bestThreshold(double[] pos, double[] neg) {
        double[] all = new double[pos.length + neg.length];
        System.arraycopy(pos, 0, all, 0, pos.length);
        System.arraycopy(neg, 0, all, pos.length, neg.length);
        Arrays.sort(all);
        double bestT = all[0] - 1e-6, bestJ = Double.NEGATIVE_INFINITY, bestMargin = -1;
        for (int i = -1; i < all.length; i++) {
            double t = i < 0 ? all[0] - 1e-6 : i == all.length - 1 ? all[i] + 1e-6 : (all[i] + all[i + 1]) / 2;
            double j = rate(pos, t) - rate(neg, t);
            double margin = i < 0 || i == all.length - 1 ? 0 : all[i + 1] - all[i];
            if (j > bestJ + 1e-12 || (Math.abs(j - bestJ) <= 1e-12 && margin > bestMargin)) {
                bestJ = j;
                bestT = t;
                bestMargin = margin;
            }
        }
        return new double[]{Math.max(-1, Math.min(1, bestT)), bestJ};
    }

    /** Fraction of scores strictly above the threshold. */
    static double rate(double[] s, double t) {
        if (s.length == 0) return Double.NaN;
        int n = 0;
        for (double x : s) if (x > t) n++;
        return (double) n / s.length;
    }

    private static double gap(double[] a, double[] b) {
        double ma = Arrays.stream(a).average().orElse(0), mb = Arrays.stream(b).average().orElse(0);
        double va = Arrays.stream(a).map(x -> (x - ma) * (x - ma)).sum(), vb = Arrays.stream(b).map(x -> (x - mb) * (x - mb)).sum();
        double pooled = Math.sqrt((va + vb) / Math.max(1, a.length + b.length - 2));
        return pooled == 0 ? (ma - mb) * 1e6 : (ma - mb) / pooled;
    }
}
