package dev.steer4j.tensor;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool of worker threads that splits a range statically into one contiguous chunk per thread (chunk
 * {@code t} is {@code [n·t/T, n·(t+1)/T)}), so every element is always computed by the same thread in the same order
 * and results do not depend on timing.
 * <p>The caller runs chunk 0 itself. Between jobs the workers spin for {@link #SPIN_NANOS} (decode issues a job
 * every few microseconds, and waking a parked thread costs tens of microseconds) and then park. Work below
 * {@link #INLINE_WORK} multiply-adds runs inline on the caller: for small models the hand-off costs more than it
 * saves. One job runs at a time; a caller that finds the pool busy (another sequence's forward pass on another
 * thread) or that calls from inside a job runs its job inline, so concurrent callers are always safe.
 * <p>Dispatching a job allocates nothing: the body is the caller's (reusable) object.
 */
public final class ThreadPool {
    /** A body over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    /** Jobs estimated below this many multiply-adds run on the calling thread alone. */
    public static final long INLINE_WORK = Long.getLong("steer4j.pool.inlineWork", 48_000);
    /** How long an idle worker spins before it parks. */
    static final long SPIN_NANOS = Long.getLong("steer4j.pool.spinMicros", 400) * 1000;

    private static volatile ThreadPool shared;

    private final int threads;
    private final Worker[] workers;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private RangeBody body;   // published by the volatile write of generation
    private int count;
    private volatile Throwable failure;

    public ThreadPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 1; i < threads; i++) {
            Worker w = new Worker(i);
            w.setDaemon(true);
            workers[i - 1] = w;
            w.start();
        }
    }

    /** The process-wide pool, sized by {@code -Dsteer4j.threads} or the number of available processors. */
    public static ThreadPool shared() {
        ThreadPool p = shared;
        if (p == null) {
            synchronized (ThreadPool.class) {
                p = shared;
                if (p == null) {
                    int n = Integer.getInteger("steer4j.threads", Runtime.getRuntime().availableProcessors());
                    shared = p = new ThreadPool(Math.max(1, n));
                }
            }
        }
        return p;
    }

    public int threads() { return threads; }

    /** The ids of the worker threads (the caller is the pool's remaining thread), for diagnostics. */
    public long[] workerThreadIds() {
        long[] ids = new long[workers.length];
        for (int i = 0; i < ids.length; i++) ids[i] = workers[i].threadId();
        return ids;
    }

    /** Runs {@code body} over [0, n) split into equal static chunks, one per thread. */
    public void parallelFor(int n, RangeBody body) {
        parallelFor(n, body, Long.MAX_VALUE);
    }

    /**
     * Runs {@code body} over [0, n) split into equal static chunks, one per thread, or inline when {@code work} (an
     * estimate of the job's multiply-adds) is below {@link #INLINE_WORK}.
     */
    public void parallelFor(int n, RangeBody body, long work) {
        if (n <= 0) return;
        if (threads == 1 || n == 1 || work < INLINE_WORK || !busy.compareAndSet(false, true)) {
            body.run(0, n);
            return;
        }
        try {
            this.body = body;
            this.count = n;
            this.failure = null;
            pending.set(threads - 1);
            generation++; // publishes body and count
            for (Worker w : workers) if (w.parked) LockSupport.unpark(w);
            runChunk(0, n, body);
            int spins = 0;
            while (pending.get() != 0) {
                if (++spins < 50_000) Thread.onSpinWait();
                else Thread.yield();
            }
            this.body = null;
            Throwable f = failure;
            if (f != null) {
                if (f instanceof RuntimeException re) throw re;
                if (f instanceof Error e) throw e;
                throw new RuntimeException(f);
            }
        } finally {
            busy.set(false);
        }
    }

    private void runChunk(int id, int n, RangeBody b) {
        int start = (int) ((long) n * id / threads);
        int end = (int) ((long) n * (id + 1) / threads);
        if (start < end) b.run(start, end);
    }

    private final class Worker extends Thread {
        private final int id;
        volatile boolean parked;

        Worker(int id) {
            super("steer4j-worker-" + id);
            this.id = id;
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                long g;
                long deadline = 0;
                while ((g = generation) == seen) {
                    Thread.onSpinWait();
                    long now = System.nanoTime();
                    if (deadline == 0) deadline = now + SPIN_NANOS;
                    else if (now > deadline) {
                        parked = true;
                        if (generation == seen) LockSupport.park(this);
                        parked = false;
                        deadline = 0;
                    }
                }
                seen = g;
                try {
                    runChunk(id, count, body);
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    pending.decrementAndGet();
                }
            }
        }
    }
}
