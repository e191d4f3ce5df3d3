package dev.steer4j.steer.extract;

import java.util.List;

/**
 * The activations read at one layer: positive and negative rows (one per prompt, or one per differing row with
 * {@link ReadPosition#DIFF}). When {@code paired}, positive i and negative i come from the same pair.
 */
public record Samples(int layer, List<float[]> positives, List<float[]> negatives, boolean paired) {
    public int dim() { return positives.get(0).length; }
}
