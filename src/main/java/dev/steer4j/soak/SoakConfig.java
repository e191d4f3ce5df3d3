package dev.steer4j.soak;

import java.time.Duration;

/**
 * How long and how hard a soak drives the server.
 *
 * @param duration    how long the workers send requests (then in-flight requests get up to {@link #SETTLE} to finish)
 * @param concurrency workers, each with one request at a time
 * @param maxTokens   {@code max_tokens} of the generating requests
 * @param seed        picks the scenarios and prompts (the server's sampling is seeded from it too)
 */
public record SoakConfig(Duration duration, int concurrency, int maxTokens, long seed) {
    /** How long the server gets after the last request to report nothing in flight. */
    public static final Duration SETTLE = Duration.ofSeconds(15);

    public SoakConfig {
        if (duration.isNegative() || duration.isZero() || duration.compareTo(Duration.ofHours(24)) > 0)
            throw new IllegalArgumentException("--duration must be above 0 and at most 24h, got " + duration);
        if (concurrency < 1 || concurrency > 1024) throw new IllegalArgumentException("--concurrency must be in 1-1024, got " + concurrency);
        if (maxTokens < 1 || maxTokens > 4096) throw new IllegalArgumentException("--max-tokens must be in 1-4096, got " + maxTokens);
    }
}
