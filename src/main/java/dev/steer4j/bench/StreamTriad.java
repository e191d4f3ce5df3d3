package dev.steer4j.bench;

import dev.steer4j.tensor.ThreadPool;

/**
 * McCalpin's STREAM triad in Java, {@code a[i] = b[i] + q * c[i]} over three arrays of doubles far larger than the
 * caches, split statically over the threads of a {@link ThreadPool} (the pool the engine's kernels use). Bandwidth is
 * counted as STREAM counts it: 24 bytes per element (two reads and one write; the write-allocate read is not
 * counted).
 */
public final class StreamTriad {
    private StreamTriad() {}

    /** Best bandwidth over the iterations, in bytes per second. */
    public record Result(int threads, double bytesPerSecond, long arrayBytes, int iterations) {
        public double gbPerSecond() { return bytesPerSecond / 1e9; }
    }

    /** Default array length: 2^24 doubles, 128 MiB per array, 384 MiB in all. */
    public static final int DEFAULT_LENGTH = 1 << 24;

    public static Result measure(ThreadPool pool, int length, int iterations) {
        double[] a = new double[length], b = new double[length], c = new double[length];
        pool.parallelFor(length, (s, e) -> {
            for (int i = s; i < e; i++) {
                a[i] = 1;
                b[i] = 2;
                c[i] = 0.5;
            }
        });
        final double q = 3.0;
        long best = Long.MAX_VALUE;
        for (int it = 0; it < iterations; it++) {
            long t0 = System.nanoTime();
            pool.parallelFor(length, (s, e) -> triad(a, b, c, q, s, e));
            long t = System.nanoTime() - t0;
            if (it > 0) best = Math.min(best, t); // the first pass warms the JIT
        }
        if (iterations < 2) throw new IllegalArgumentException("iterations must be >= 2, got " + iterations);
        if (a[length / 2] != 2 + q * 0.5) throw new IllegalStateException("triad result is wrong: " + a[length / 2]);
        return new Result(pool.threads(), 24.0 * length / (best / 1e9), 8L * length, iterations);
    }

    static void triad(double[] a, double[] b, double[] c, double q, int start, int end) {
        for (int i = start; i < end; i++) a[i] = b[i] + q * c[i];
    }
}
