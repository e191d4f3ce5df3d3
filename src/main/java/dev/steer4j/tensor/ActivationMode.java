package dev.steer4j.tensor;

import java.util.Locale;

/**
 * How matrix products with quantised weights treat their float activations.
 * <ul>
 * <li>{@link #FLOAT}: the activations stay float32 and the weights are decoded exactly; the result matches an exact
 *     pass over the dequantised weights to float rounding (the default).</li>
 * <li>{@link #INT8}: as llama.cpp does, the activations are first quantised to int8 blocks ({@link Q8Activations})
 *     and each block's dot product is an exact integer sum, scaled once. This reproduces llama.cpp's numbers (which
 *     differ from the exact pass by up to ~0.2 in the logits of the test model); F32, F16 and BF16 weights stay
 *     float.</li>
 * </ul>
 */
public enum ActivationMode {
    FLOAT, INT8;

    /** The mode named by {@code -Dsteer4j.activations=float|int8} (default float). */
    public static ActivationMode fromSystemProperty() {
        String v = System.getProperty("steer4j.activations", "float").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "float", "f32" -> FLOAT;
            case "int8", "q8" -> INT8;
            default -> throw new IllegalArgumentException("-Dsteer4j.activations=" + v + " is not one of: float, int8");
        };
    }
}
