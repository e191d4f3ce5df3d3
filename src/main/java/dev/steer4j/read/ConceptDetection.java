package dev.steer4j.read;

import dev.steer4j.util.Auroc;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.steer.SteeringVector;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AxBench-style concept detection: how well the projection of a prompt's activations on a vector separates prompts
 * with the concept from prompts without it, as the AUROC per layer.
 */
public final class ConceptDetection {
    /** How the per-token projections of one prompt become one score. */
    public enum Aggregate {
        /** Mean over the prompt's tokens, BOS excluded. */
        MEAN,
        /** The last token's projection. */
        LAST,
        /** The largest projection over the prompt's tokens, BOS excluded (AxBench's max-pooling). */
        MAX
    }

    /** Scores and AUROC at one layer. */
    public record LayerResult(int layer, double auroc, double[] positiveScores, double[] negativeScores) {}

    private ConceptDetection() {}

    /** The AUROC at every layer that the vector has a direction for, reading at {@code blocks.L.<site>}. */
    public static Map<Integer, LayerResult> evaluate(ForwardPass fp, SteeringVector v, HookSite site,
                                                     List<String> positive, List<String> negative, Aggregate agg, Progress progress) {
        Model model = fp.model();
        if (!site.perLayer) throw new IllegalArgumentException(site.suffix + " has no layer; choose a per-block site such as hook_resid_post");
        if (v.dim() != model.config().dim())
            throw new IllegalArgumentException("the vector has width " + v.dim() + " but the model's n_embd is " + model.config().dim());
        if (positive.isEmpty() || negative.isEmpty())
            throw new IllegalArgumentException("concept detection needs prompts in both sets (got " + positive.size() + " positive, " + negative.size() + " negative)");
        List<Integer> layers = new ArrayList<>();
        for (int l : v.layers().keySet()) if (l < model.config().layers()) layers.add(l);
        if (layers.isEmpty())
            throw new IllegalArgumentException("the vector has no direction inside the model's layers 0-" + (model.config().layers() - 1) + " (it has " + v.layers().keySet() + ")");
        List<HookPoint> points = new ArrayList<>();
        for (int l : layers) points.add(HookPoint.of(site, l));
        double[][] pos = scores(fp, positive, points, v, agg, progress, 0, positive.size() + negative.size());
        double[][] neg = scores(fp, negative, points, v, agg, progress, positive.size(), positive.size() + negative.size());
        Map<Integer, LayerResult> out = new LinkedHashMap<>();
        for (int i = 0; i < layers.size(); i++) {
            out.put(layers.get(i), new LayerResult(layers.get(i), Auroc.of(pos[i], neg[i]), pos[i], neg[i]));
        }
        return out;
    }

    private static double[][] scores(ForwardPass fp, List<String> prompts, List<HookPoint> points, SteeringVector v,
                                     Aggregate agg, Progress progress, int done, int total) {
        double[][] out = new double[points.size()][prompts.size()];
        for (int j = 0; j < prompts.size(); j++) {
            int[] ids = fp.model().tokenizer().encode(prompts.get(j));
            if (ids.length > fp.model().config().contextLength())
                throw new IllegalArgumentException("prompt " + j + " has " + ids.length + " tokens but the model's context is " + fp.model().config().contextLength());
            ActivationCache c = ActivationCache.run(fp, ids, points);
            for (int i = 0; i < points.size(); i++) {
                double[] s = Projection.project(c.get(points.get(i)), v.get(points.get(i).layer()));
                out[i][j] = aggregate(s, agg, ids[0] == fp.model().tokenizer().bos());
            }
            progress.update(done + j + 1, total, "prompt " + (done + j + 1));
        }
        return out;
    }

    static double aggregate(double[] s, Aggregate agg, boolean firstIsBos) {
        int from = firstIsBos && s.length > 1 ? 1 : 0; // BOS carries no content; skip it when there is anything else
        return switch (agg) {
            case LAST -> s[s.length - 1];
            case MEAN -> {
                double sum = 0;
                for (int i = from; i < s.length; i++) sum += s[i];
                yield sum / (s.length - from);
            }
            case MAX -> {
                double m = Double.NEGATIVE_INFINITY;
                for (int i = from; i < s.length; i++) m = Math.max(m, s[i]);
                yield m;
            }
        };
    }
}
