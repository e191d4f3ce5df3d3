package dev.steer4j.soak;

/** What one soak request does; {@code valid} ones must succeed, the others must get the 4xx named. */
public enum Scenario {
    COMPLETION("valid completion (blocking, completions or chat)", true, 24),
    STREAM("valid stream, read to [DONE]", true, 20),
    DISCONNECT("stream, client disconnects mid-stream", false, 14),
    MALFORMED("malformed or out-of-range body -> 400", false, 12),
    OVERSIZED("body over max_body_bytes -> 413", false, 5),
    VECTOR("vector upload, steered use, delete", true, 8),
    BAD_VECTOR("broken vector upload -> 400", false, 5),
    GUARD("guard-blocked prompt -> content_filter", false, 12);

    public final String description;
    /** A valid request: anything but success (or a 429) counts as a failed valid request. */
    public final boolean valid;
    final int weight;

    Scenario(String description, boolean valid, int weight) {
        this.description = description;
        this.valid = valid;
        this.weight = weight;
    }

    /** A scenario drawn by weight; {@code GUARD} only when the server has a guard. */
    static Scenario pick(java.util.SplittableRandom r, boolean guard) {
        int total = 0;
        for (Scenario s : values()) if (guard || s != GUARD) total += s.weight;
        int x = r.nextInt(total);
        for (Scenario s : values()) {
            if (!guard && s == GUARD) continue;
            if ((x -= s.weight) < 0) return s;
        }
        throw new AssertionError();
    }
}
