package dev.steer4j.steer.extract;

import dev.steer4j.steer.SteeringVector;

import java.util.List;
import java.util.Locale;

/**
 * An extracted vector and, for every layer, how well its direction separates the training examples.
 */
public record ExtractionResult(SteeringVector vector, List<LayerSeparation> separation) {
    public ExtractionResult {
        separation = List.copyOf(separation);
    }

    /** The layer whose direction separates best (highest standardised difference, then AUROC). */
    public LayerSeparation best() {
        LayerSeparation b = null;
        for (LayerSeparation s : separation)
            if (b == null || s.standardizedDifference() > b.standardizedDifference()
                    || (s.standardizedDifference() == b.standardizedDifference() && s.auroc() > b.auroc())) b = s;
        return b;
    }

    /** The per-layer separation as a plain-text table, the best layer marked with '*'. */
    public String table() {
        boolean pca = separation.stream().anyMatch(s -> !Double.isNaN(s.explainedVariance()));
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-6s %8s %10s %10s%s %9s%n", "layer", "auroc", "d(sd)", "norm",
                pca ? String.format(Locale.ROOT, " %8s", "pc1 var") : "", "samples"));
        LayerSeparation best = best();
        for (LayerSeparation s : separation) {
            sb.append(String.format(Locale.ROOT, "%-6s %8.4f %10s %10.4f%s %9s%n",
                    s.layer() + (s == best ? "*" : ""), s.auroc(), fmt(s.standardizedDifference()), s.norm(),
                    pca ? String.format(Locale.ROOT, " %7.1f%%", 100 * s.explainedVariance()) : "",
                    s.positives() + "+" + s.negatives()));
        }
        return sb.toString();
    }

    private static String fmt(double d) {
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        return String.format(Locale.ROOT, "%.3f", d);
    }
}
