package dev.steer4j.spark;

import java.io.Serializable;

/**
 * The samples one partition read at one layer: positive row k and negative row k come from the same pair (one row
 * per prompt, or one per differing token with read position {@code diff}).
 */
public record LayerBlock(int layer, float[][] positives, float[][] negatives) implements Serializable {}
