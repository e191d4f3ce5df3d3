package dev.steer4j.bench;

import dev.steer4j.tensor.ThreadPool;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's FP32 arithmetic peak as the Vector API reaches it: every thread runs twelve independent chains of
 * {@code FloatVector.fma} on registers (enough to cover the FMA latency of current x86 cores), nothing from memory.
 * A FLOP is counted as llama.cpp and BLAS count them: one FMA lane = 2 FLOPs. The best of several passes is kept.
 */
public final class FmaPeak {
    private FmaPeak() {}

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    /** Best FP32 rate over the passes, in FLOP/s, on every thread of {@code pool}. */
    public record Result(int threads, double flopsPerSecond, int lanes) {
        public double gflops() { return flopsPerSecond / 1e9; }
    }

    /** Iterations of the 12-FMA step per thread and pass (~50 ms at 100 GFLOP/s per thread on 16 lanes). */
    static final int STEPS = 1 << 18;

    public static Result measure(ThreadPool pool, int passes) {
        if (passes < 2) throw new IllegalArgumentException("passes must be >= 2, got " + passes);
        int threads = pool.threads();
        float[] sink = new float[threads];
        long best = Long.MAX_VALUE;
        for (int p = 0; p < passes; p++) {
            long t0 = System.nanoTime();
            pool.parallelFor(threads, (s, e) -> {
                for (int t = s; t < e; t++) sink[t] += chains(STEPS, 1f + t * 1e-7f);
            }, Long.MAX_VALUE);
            long t = System.nanoTime() - t0;
            if (p > 0) best = Math.min(best, t); // the first pass trains the JIT
        }
        if (Float.isNaN(sink[0])) throw new IllegalStateException("FMA peak kernel produced NaN");
        double flops = 2.0 * 12 * F.length() * STEPS * threads;
        return new Result(threads, flops / (best / 1e9), F.length());
    }

    /** Twelve independent FMA chains, {@code steps} rounds; returns a lane so the work is not dead code. */
    static float chains(int steps, float seed) {
        FloatVector m = FloatVector.broadcast(F, 0.999999f), c = FloatVector.broadcast(F, 1e-7f);
        FloatVector a0 = FloatVector.broadcast(F, seed), a1 = a0.add(1), a2 = a0.add(2), a3 = a0.add(3),
                a4 = a0.add(4), a5 = a0.add(5), a6 = a0.add(6), a7 = a0.add(7), a8 = a0.add(8), a9 = a0.add(9),
                a10 = a0.add(10), a11 = a0.add(11);
        for (int i = 0; i < steps; i++) {
            a0 = a0.fma(m, c); a1 = a1.fma(m, c); a2 = a2.fma(m, c); a3 = a3.fma(m, c);
            a4 = a4.fma(m, c); a5 = a5.fma(m, c); a6 = a6.fma(m, c); a7 = a7.fma(m, c);
            a8 = a8.fma(m, c); a9 = a9.fma(m, c); a10 = a10.fma(m, c); a11 = a11.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)));
        return s.lane(0);
    }
}
