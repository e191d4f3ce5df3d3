package dev.steer4j.steer.extract;

/**
 * How well one layer's direction separates the training examples: every positive and negative sample is projected
 * on the unit direction.
 *
 * @param layer                  block index
 * @param auroc                  probability that a positive projects higher than a negative (1 = perfect, 0.5 = chance)
 * @param standardizedDifference (mean positive projection - mean negative projection) / pooled standard deviation
 *                               (Cohen's d); infinite when there is no spread (one pair)
 * @param norm                   L2 norm of the extracted vector at this layer
 * @param explainedVariance      for PCA methods, the share of variance along the component, else NaN
 * @param positives              number of positive samples
 * @param negatives              number of negative samples
 */
public record LayerSeparation(int layer, double auroc, double standardizedDifference, double norm,
                              double explainedVariance, int positives, int negatives) {
}
