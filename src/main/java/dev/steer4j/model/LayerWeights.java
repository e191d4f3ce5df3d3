package dev.steer4j.model;

import dev.steer4j.tensor.WeightMatrix;

/** The weights of one transformer block. Biases are null for architectures without them. */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
        float[] bq, float[] bk, float[] bv,
        float[] ffnNorm,
        WeightMatrix ffnGate, WeightMatrix ffnUp, WeightMatrix ffnDown) {
}
