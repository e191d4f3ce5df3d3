package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Per-type quantisation error bounds, checked element by element against statistics of the element's block of
 * original values.
 * <p>The 32-value types and the half types have closed-form worst cases (see {@link #bound}). The K-quants do not: the
 * scale search may trade a clipped extreme for a finer step, and the per-sub-block scales and mins are themselves
 * quantised to 6 bits (8 for Q6_K) against the super-block maximum, which can leave an extreme value up to about one
 * step outside the representable range. For them the check is two-fold: every element within 3 half-steps of its
 * sub-block's ideal step (llama-quantize's own output peaks at about 2.3), and the RMS error within 1.25 × the
 * uniform-rounding RMS step/√12 (llama's output: 0.88–1.07). A layout error (wrong nibble, bit or scale) gives errors of
 * the order of the whole range, i.e. 15+ half-steps, and an RMS several times the bound.
 */
final class ErrorBounds {
    private ErrorBounds() {}

    /** Sub-block size over which the bound's statistics are taken. */
    private static int group(GGMLType type) {
        return switch (type) {
            case F32, F16, BF16 -> 1;
            case Q8_0, Q4_0, Q4_1, Q4_K, Q5_K -> 32;
            case Q6_K -> 16;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    /** The ideal quantisation step of a K-quant sub-block, or 0 for other types. */
    private static double kStep(GGMLType type, float amax, float min, float max) {
        return switch (type) {
            // asymmetric, min clamped to <= 0 by make_qkx2_quants; 16 or 32 levels
            case Q4_K -> (max - Math.min(min, 0)) / 15.0;
            case Q5_K -> (max - Math.min(min, 0)) / 31.0;
            // symmetric around the signed extreme: 32 steps each way
            case Q6_K -> amax / 32.0;
            default -> 0;
        };
    }

    /**
     * Checks |got - want| against the type's bound; returns the worst error / bound ratio seen. For K-quants also
     * checks the RMS error against the uniform-rounding RMS.
     */
    static double check(GGMLType type, String what, float[] want, float[] got, int cols) {
        int bs = group(type);
        double worst = 0, sumErr2 = 0, sumStep2 = 0;
        for (int b0 = 0; b0 < want.length; b0 += bs) {
            float amax = 0, min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (int i = b0; i < b0 + bs; i++) {
                amax = Math.max(amax, Math.abs(want[i]));
                min = Math.min(min, want[i]);
                max = Math.max(max, want[i]);
            }
            double step = kStep(type, amax, min, max);
            for (int i = b0; i < b0 + bs; i++) {
                double bound = bound(type, want[i], amax, min, max);
                double err = Math.abs((double) got[i] - want[i]);
                sumErr2 += err * err;
                sumStep2 += step * step;
                if (err > 0) worst = Math.max(worst, err / bound);
                if (!(err <= bound)) {
                    fail(String.format("%s %s: element %d (row %d col %d) = %s, want %s: error %.3g exceeds bound %.3g",
                            type, what, i, i / cols, i % cols, got[i], want[i], err, bound));
                }
            }
        }
        if (sumStep2 > 0) {
            double rmsRatio = Math.sqrt(sumErr2 / (sumStep2 / 12));
            if (!(rmsRatio <= 1.25))
                fail(String.format("%s %s: RMS error is %.3f x the uniform-rounding RMS (allowed 1.25)", type, what, rmsRatio));
        }
        return worst;
    }

    /** Rounding error of storing a non-negative value as an IEEE half: 2^-11 relative, 2^-25 in the subnormal range. */
    private static double halfErr(double v) {
        return Math.max(Math.abs(v) * 0x1p-11, 0x1p-25);
    }

    private static double bound(GGMLType type, float x, float amax, float min, float max) {
        final double eps = 1e-30; // all-zero blocks must come back exactly
        return switch (type) {
            case F32 -> 0;
            // round to nearest: half an ulp
            case F16 -> halfErr(x);
            // round to nearest even on the top 16 bits: relative 2^-8
            case BF16 -> Math.abs(x) * 0x1p-8 + eps;
            // d = amax/127 stored as a half d': |q·d' - x| <= d/2 + 127·|d' - d|
            case Q8_0 -> (amax / 127.0 / 2 + 127 * halfErr(amax / 127.0)) * 1.001 + eps;
            // d = max/-8: a value as large as max but of the other sign maps to +8 and is clipped to 7 (error d);
            // plus |q - 8| <= 8 times the half rounding of d
            case Q4_0 -> (amax / 8.0 + 8 * halfErr(amax / 8.0)) * 1.001 + eps;
            // d = (max-min)/15: rounding error d/2, plus 15·|Δd| and |Δm| from storing d and m as halves
            case Q4_1 -> ((max - min) / 30.0 + 15 * halfErr((max - min) / 15.0) + halfErr(min)) * 1.001 + eps;
            // see the class comment: 3 half-steps
            case Q4_K, Q5_K, Q6_K -> 1.5 * kStep(type, amax, min, max) + eps;
            default -> throw new IllegalArgumentException(type.toString());
        };
    }
}
