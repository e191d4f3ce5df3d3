package dev.steer4j.train;

import dev.steer4j.eval.AlignmentTax;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.Method;
import dev.steer4j.steer.extract.ReadPosition;

import java.util.ArrayList;
import java.util.List;

/**
 * A trained vector next to the mean-difference vector of the same training pairs, on held-out pairs: how far each
 * moves the behaviour (held-out completion margin, steered minus unsteered) and what each costs on neutral text
 * (mean KL to the unsteered model and perplexity, {@link AlignmentTax}). The mean-difference vector is compared both
 * as extracted and rescaled to the trained vector's norm, so the comparison at equal norm is explicit; the trained
 * vector is also shown at the coefficient where its KL tax matches the equal-norm mean difference's (bisection).
 */
public final class VectorComparison {
    /** One row of the comparison. */
    public record Row(String vector, double norm, double heldOutMargin, double shift, double meanKl, double perplexity) {}

    private VectorComparison() {}

    public static List<Row> compare(Model model, ContrastiveDataset trainPairs, List<CompletionPair> heldOut,
                                    SteeringVector trained, int layer, double coefficient) {
        ForwardPass fp = new ForwardPass(model);
        // Mean over each prompt's tokens, as the demo's happy - sad vector is read.
        SteeringVector mean = Extraction.builder(model).method(Method.MEAN).layers(layer).read(ReadPosition.MEAN)
                .forwardPass(fp).run(trainPairs).vector();
        double trainedNorm = SteeringVector.norm(trained.get(layer)), meanNorm = SteeringVector.norm(mean.get(layer));
        SteeringVector meanEqual = mean.scale(trainedNorm / meanNorm);
        AlignmentTax tax = new AlignmentTax(fp, AlignmentTax.defaultCorpus(), 128, 0);
        double base = CompletionScore.meanMargin(fp, heldOut, Steering.none());
        AlignmentTax.Result none = tax.measure(Steering.none());
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("none", 0, base, 0, none.meanKl(), none.perplexity()));
        rows.add(row(fp, tax, heldOut, "trained (bipo)", trained, layer, coefficient, base));
        rows.add(row(fp, tax, heldOut, "mean difference, equal norm", meanEqual, layer, coefficient, base));
        rows.add(row(fp, tax, heldOut, "mean difference, as extracted", mean, layer, coefficient, base));
        // The trained vector at the coefficient where its KL tax equals that of the equal-norm mean difference.
        double target = rows.get(2).meanKl(), lo = 0, hi = coefficient;
        for (int i = 0; i < 8; i++) {
            double mid = (lo + hi) / 2;
            if (tax.measure(Steering.none().add(trained, mid)).meanKl() > target) hi = mid; else lo = mid;
        }
        rows.add(row(fp, tax, heldOut, String.format(java.util.Locale.ROOT, "trained x %.3f (KL-matched)", lo), trained, layer, lo, base));
        return rows;
    }

    private static Row row(ForwardPass fp, AlignmentTax tax, List<CompletionPair> heldOut, String name, SteeringVector v,
                           int layer, double coefficient, double base) {
        Steering s = Steering.none().add(v, coefficient);
        double margin = CompletionScore.meanMargin(fp, heldOut, s);
        AlignmentTax.Result r = tax.measure(s);
        return new Row(name, SteeringVector.norm(v.get(layer)) * Math.abs(coefficient), margin, margin - base, r.meanKl(), r.perplexity());
    }
}
