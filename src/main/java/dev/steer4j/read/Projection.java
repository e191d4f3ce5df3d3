package dev.steer4j.read;

import dev.steer4j.util.Similarity;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.List;

/**
 * RepE-style reading: the projection of every token's activation at a hook point on a direction,
 * {@code score_t = a_t · v / |v|}. A positive score means the token's state points along the vector.
 */
public final class Projection {
    /** The per-token projections of one text. */
    public record Reading(String text, HookPoint point, int[] tokens, String[] pieces, double[] scores) {
        public double mean(boolean skipFirst) {
            int from = skipFirst && scores.length > 1 ? 1 : 0;
            double s = 0;
            for (int i = from; i < scores.length; i++) s += scores[i];
            return s / (scores.length - from);
        }
    }

    private Projection() {}

    /** Projections of rows on the unit direction of {@code direction}. */
    public static double[] project(float[][] rows, float[] direction) {
        double n = Similarity.norm(direction);
        if (!(n > 0)) throw new IllegalArgumentException("the direction has zero length; it cannot be read");
        double[] out = new double[rows.length];
        for (int r = 0; r < rows.length; r++) {
            float[] a = rows[r];
            if (a.length != direction.length)
                throw new IllegalArgumentException("activation width " + a.length + " differs from the direction's " + direction.length);
            out[r] = Similarity.dot(a, direction) / n;
        }
        return out;
    }

    /**
     * The readings with the mean projection of all their tokens (BOS excluded) subtracted, so that the colours show
     * which tokens point along the vector more than usual rather than a shared offset. Returns the readings and the
     * subtracted mean.
     */
    public static java.util.Map.Entry<List<Reading>, Double> center(List<Reading> readings, int bos) {
        double sum = 0;
        long n = 0;
        for (Reading r : readings) {
            for (int i = 0; i < r.scores().length; i++) {
                if (i == 0 && r.tokens()[0] == bos) continue;
                sum += r.scores()[i];
                n++;
            }
        }
        double mean = n == 0 ? 0 : sum / n;
        List<Reading> out = new java.util.ArrayList<>();
        for (Reading r : readings) {
            double[] s = r.scores().clone();
            for (int i = 0; i < s.length; i++) s[i] -= mean;
            out.add(new Reading(r.text(), r.point(), r.tokens(), r.pieces(), s));
        }
        return java.util.Map.entry(out, mean);
    }

    /** Tokenises {@code text} (with BOS as the model prefers), runs it and reads every token at {@code point}. */
    public static Reading read(ForwardPass fp, String text, HookPoint point, float[] direction) {
        Model model = fp.model();
        Tokenizer tok = model.tokenizer();
        int[] ids = tok.encode(text);
        if (ids.length == 0) throw new IllegalArgumentException("the text '" + text + "' gives no tokens");
        if (ids.length > model.config().contextLength())
            throw new IllegalArgumentException("the text has " + ids.length + " tokens but the model's context is " + model.config().contextLength());
        point.checkLayer(model.config().layers());
        if (direction.length != model.config().dim())
            throw new IllegalArgumentException("the vector has width " + direction.length + " but the model's n_embd is " + model.config().dim());
        ActivationCache c = ActivationCache.run(fp, ids, List.of(point));
        String[] pieces = new String[ids.length];
        for (int i = 0; i < ids.length; i++) pieces[i] = Tokens.text(tok, ids[i]);
        return new Reading(text, point, ids, pieces, project(c.get(point), direction));
    }
}
