package dev.steer4j.steer.extract;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a direction is computed from positive and negative activations. */
public enum Method {
    /** ActAdd (Turner et al.): the activation difference of one prompt pair, the shorter padded with spaces. */
    ACTADD("actadd", true),
    /** Difference of the class means (CAA, difference-in-means). */
    MEAN("mean", false),
    /** First principal direction of the paired differences (uncentred, as llama.cpp's cvector-generator). */
    PCA_DIFF("pca-diff", true),
    /** First principal direction of the activations centred on each pair's midpoint (repeng's pca_center). */
    PCA_CENTER("pca-center", false),
    /** The weight direction of an L2-regularised logistic-regression probe on standardised activations. */
    PROBE("probe", false);

    public final String id;
    /** Whether the method needs positives and negatives paired by index. */
    public final boolean needsPairs;

    Method(String id, boolean needsPairs) {
        this.id = id;
        this.needsPairs = needsPairs;
    }

    public static Method parse(String s) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (Method m : values()) if (m.id.equals(k)) return m;
        throw new IllegalArgumentException("unknown extraction method '" + s + "' (valid: "
                + Arrays.stream(values()).map(m -> m.id).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() { return id; }
}
