package dev.steer4j.steer.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The contrastive data formats that {@link Datasets} reads. */
public enum DatasetFormat {
    /** JSONL (or a JSON array) of {@code {"positive": ..., "negative": ...}}. */
    PAIRS("pairs"),
    /** CAA A/B items: {@code question}, {@code answer_matching_behavior}, {@code answer_not_matching_behavior}. */
    CAA("caa"),
    /** repeng-style persona template x suffixes, described by a small JSON spec. */
    REPENG("repeng"),
    /** Two prompt lists (positive file and negative file), for difference-in-means. */
    LISTS("lists");

    public final String id;

    DatasetFormat(String id) { this.id = id; }

    public static DatasetFormat parse(String s) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (DatasetFormat f : values()) if (f.id.equals(k)) return f;
        throw new IllegalArgumentException("unknown dataset format '" + s + "' (valid: "
                + Arrays.stream(values()).map(f -> f.id).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() { return id; }
}
