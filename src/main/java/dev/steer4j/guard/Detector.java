package dev.steer4j.guard;

import dev.steer4j.steer.Condition;

import java.util.Map;

/**
 * A guard detector: a direction read at {@code blocks.layer.hook_resid_post}, a threshold and a policy.
 *
 * <p><b>Score.</b> The cosine similarity between {@code direction} and the mean of the prompt's residual rows
 * 1..n-1 at that layer (row 0, the BOS token, is the same for every prompt; a one-token prompt uses row 0). It is
 * read by a hook during the prefill that serves the prompt, so guarding costs no second model run. The prompt is
 * positive (triggers the policy) when {@code score > threshold}.
 *
 * @param name            label in responses, logs and metrics
 * @param layer           the block whose resid_post is read
 * @param direction       positive-minus-negative mean activation (its norm matters only to the default steer vector)
 * @param threshold       cosine threshold
 * @param policy          what a positive prompt gets
 * @param refusal         the answer of {@link GuardPolicy#BLOCK}
 * @param steerVector     library vector that {@link GuardPolicy#STEER} adds; null adds {@code -direction} at {@code layer}
 * @param steerCoefficient coefficient of the steer vector (with the default vector, 1 moves a positive prompt's mean
 *                        activation by the whole positive-negative gap towards the negative side)
 * @param calibration     how the detector was calibrated (sizes, TPR/FPR), kept for the record
 */
public record Detector(String name, int layer, float[] direction, double threshold, GuardPolicy policy, String refusal,
                       String steerVector, double steerCoefficient, Map<String, Object> calibration) {
    public static final String DEFAULT_REFUSAL = "I can't help with that request.";

    public Detector {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("a detector needs a name");
        if (layer < 0) throw new IllegalArgumentException("detector '" + name + "': layer " + layer + " is negative");
        if (direction == null || direction.length == 0) throw new IllegalArgumentException("detector '" + name + "' has no direction");
        double n = 0;
        for (float f : direction) {
            if (!Float.isFinite(f)) throw new IllegalArgumentException("detector '" + name + "': direction holds a non-finite value " + f);
            n += (double) f * f;
        }
        if (n == 0) throw new IllegalArgumentException("detector '" + name + "' has a zero direction");
        if (!Double.isFinite(threshold) || threshold < -1 || threshold > 1)
            throw new IllegalArgumentException("detector '" + name + "': threshold " + threshold + " must be a cosine in [-1, 1]");
        if (policy == null) policy = GuardPolicy.FLAG;
        if (refusal == null) refusal = DEFAULT_REFUSAL;
        if (!Double.isFinite(steerCoefficient)) throw new IllegalArgumentException("detector '" + name + "': steer coefficient " + steerCoefficient + " is not finite");
        calibration = calibration == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(calibration));
        direction = direction.clone();
    }

    /** The CAST condition this detector evaluates. */
    public Condition condition() {
        return new Condition(name, direction, layer, threshold, Condition.Comparison.ABOVE, Condition.Aggregate.MEAN);
    }

    public float[] direction() { return direction.clone(); }

    public Detector withPolicy(GuardPolicy p) {
        return new Detector(name, layer, direction, threshold, p, refusal, steerVector, steerCoefficient, calibration);
    }

    public Detector withThreshold(double t) {
        return new Detector(name, layer, direction, t, policy, refusal, steerVector, steerCoefficient, calibration);
    }

    public Detector withRefusal(String r) {
        return new Detector(name, layer, direction, threshold, policy, r, steerVector, steerCoefficient, calibration);
    }

    public Detector withSteer(String vector, double coefficient) {
        return new Detector(name, layer, direction, threshold, policy, refusal, vector, coefficient, calibration);
    }
}
