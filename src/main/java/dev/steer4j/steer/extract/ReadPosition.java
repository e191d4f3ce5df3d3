package dev.steer4j.steer.extract;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which token rows of a prompt are read. */
public enum ReadPosition {
    /** The last prompt token. */
    LAST("last"),
    /** The mean over the prompt's tokens, BOS excluded. */
    MEAN("mean"),
    /** The answer token (the answer letter of a CAA A/B prompt). */
    ANSWER("answer"),
    /**
     * Every row where the two prompts of a pair differ, as llama.cpp's cvector-generator: the shorter prompt is
     * padded with the space token, and each row from the first differing token on is one (positive, negative) sample.
     */
    DIFF("diff");

    public final String id;

    ReadPosition(String id) { this.id = id; }

    public static ReadPosition parse(String s) {
        String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        for (ReadPosition r : values()) if (r.id.equals(k)) return r;
        throw new IllegalArgumentException("unknown read position '" + s + "' (valid: "
                + Arrays.stream(values()).map(r -> r.id).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() { return id; }
}
