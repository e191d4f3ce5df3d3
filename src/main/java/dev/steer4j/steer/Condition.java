package dev.steer4j.steer;

import java.util.Locale;

/**
 * A CAST condition (Lee et al., "Programming Refusal with Conditional Activation Steering", IBM activation-steering):
 * the prompt's activation at {@code blocks.layer.hook_resid_post} is compared with a condition direction, and the
 * steering it guards applies only when the score is on the right side of the threshold.
 *
 * <p>The score is the cosine similarity between the direction and the prompt's activation, where the activation is
 * either the mean over the prompt rows 1..n-1 ({@link Aggregate#MEAN}; row 0 is the BOS token, which under causal
 * attention sees only itself and is identical for every prompt, so it carries no information about the prompt; a
 * one-token prompt uses row 0) or the last prompt row ({@link Aggregate#LAST}).
 *
 * @param name       label used in reports (for example the file name)
 * @param direction  condition direction, width n_embd (its norm does not matter)
 * @param layer      block whose resid_post is read
 * @param threshold  cosine threshold in [-1, 1]
 * @param comparison whether the score must be above or below the threshold
 * @param aggregate  how the prompt rows are summarised
 */
public record Condition(String name, float[] direction, int layer, double threshold, Comparison comparison, Aggregate aggregate) {
    public enum Comparison { ABOVE, BELOW }
    public enum Aggregate { MEAN, LAST }

    public Condition {
        if (direction == null || direction.length == 0) throw new IllegalArgumentException("condition '" + name + "' has no direction");
        if (SteeringVector.norm(direction) == 0) throw new IllegalArgumentException("condition '" + name + "' has a zero direction");
        if (layer < 0) throw new IllegalArgumentException("condition '" + name + "': layer " + layer + " is negative");
        if (!Double.isFinite(threshold)) throw new IllegalArgumentException("condition '" + name + "': threshold " + threshold + " is not a number");
        direction = direction.clone();
        if (comparison == null) comparison = Comparison.ABOVE;
        if (aggregate == null) aggregate = Aggregate.MEAN;
        if (name == null) name = "condition@" + layer;
    }

    /** Steer when the cosine of the mean prompt activation at {@code layer} with the vector's direction there exceeds {@code threshold}. */
    public static Condition above(SteeringVector v, int layer, double threshold) {
        return new Condition(null, directionAt(v, layer), layer, threshold, Comparison.ABOVE, Aggregate.MEAN);
    }

    /** Steer when the cosine is below {@code threshold}. */
    public static Condition below(SteeringVector v, int layer, double threshold) {
        return new Condition(null, directionAt(v, layer), layer, threshold, Comparison.BELOW, Aggregate.MEAN);
    }

    public Condition named(String n) { return new Condition(n, direction, layer, threshold, comparison, aggregate); }
    public Condition reading(Aggregate a) { return new Condition(name, direction, layer, threshold, comparison, a); }

    /** The vector's direction at {@code layer}, or its only direction when it has exactly one. */
    static float[] directionAt(SteeringVector v, int layer) {
        if (v.has(layer)) return v.get(layer);
        if (v.layers().size() == 1) return v.layers().firstEntry().getValue().clone();
        throw new IllegalArgumentException("the condition vector has no direction for layer " + layer + " (layers: " + v.layers().keySet() + ")");
    }

    public boolean met(double score) {
        return comparison == Comparison.ABOVE ? score > threshold : score < threshold;
    }

    @Override
    public String toString() {
        return name + " (layer " + layer + ", cosine " + (comparison == Comparison.ABOVE ? ">" : "<") + " " + threshold
                + ", " + aggregate.name().toLowerCase(Locale.ROOT) + ")";
    }
}
