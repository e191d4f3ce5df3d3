package dev.steer4j.steer;

/**
 * Which token positions an intervention touches. Positions are absolute (0 = BOS); the prompt is positions
 * {@code 0 .. promptLength-1} of the sequence and everything after it was generated.
 *
 * @param kind which rule
 * @param from the first position for {@link Kind#FROM}, else 0
 */
public record PositionFilter(Kind kind, int from) {
    public enum Kind { ALL, PROMPT, GENERATED, FROM }

    /** Every position, prompt and generated (llama.cpp control-vector semantics). */
    public static final PositionFilter ALL = new PositionFilter(Kind.ALL, 0);
    /** Only prompt positions. */
    public static final PositionFilter PROMPT = new PositionFilter(Kind.PROMPT, 0);
    /** Only generated positions (position >= prompt length). */
    public static final PositionFilter GENERATED = new PositionFilter(Kind.GENERATED, 0);

    public PositionFilter {
        if (kind == null) throw new IllegalArgumentException("position filter kind is null");
        if (kind == Kind.FROM && from < 0) throw new IllegalArgumentException("position filter from:" + from + " must be >= 0");
        if (kind != Kind.FROM && from != 0) throw new IllegalArgumentException("position filter " + kind + " takes no position");
    }

    /** Positions {@code >= k}. */
    public static PositionFilter from(int k) { return new PositionFilter(Kind.FROM, k); }

    public boolean test(int position, int promptLength) {
        return switch (kind) {
            case ALL -> true;
            case PROMPT -> position < promptLength;
            case GENERATED -> position >= promptLength;
            case FROM -> position >= from;
        };
    }

    /** Parses {@code all}, {@code prompt}, {@code generated} or {@code from:K}. */
    public static PositionFilter parse(String s) {
        if (s == null) throw new IllegalArgumentException("positions: missing value (expected all, prompt, generated or from:K)");
        String t = s.trim().toLowerCase(java.util.Locale.ROOT);
        switch (t) {
            case "all": return ALL;
            case "prompt": return PROMPT;
            case "generated": return GENERATED;
            default:
        }
        if (t.startsWith("from:")) {
            String k = t.substring(5);
            try {
                int v = Integer.parseInt(k);
                if (v >= 0) return from(v);
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new IllegalArgumentException("positions '" + s + "': K in from:K must be an integer >= 0, got '" + k + "'");
        }
        throw new IllegalArgumentException("positions '" + s + "': expected all, prompt, generated or from:K");
    }

    @Override
    public String toString() {
        return kind == Kind.FROM ? "from:" + from : kind.name().toLowerCase(java.util.Locale.ROOT);
    }
}
