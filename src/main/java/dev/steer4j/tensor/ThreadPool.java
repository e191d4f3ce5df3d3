package dev.steer4j.tensor;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed pool of worker threads that splits a range statically into one chunk per thread.
 * <p>The caller runs chunk 0 itself. Workers spin briefly and then park between jobs. One job runs at a time; a
 * caller that finds the pool busy (another sequence's forward pass on another thread) runs its job inline, so
 * concurrent callers are always safe.
 */
public final class ThreadPool {
    /** A body over the half-open range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static volatile ThreadPool shared;

    private final int threads;
    private final Thread[] workers;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicInteger pending = new AtomicInteger();
    private volatile long generation;
    private volatile RangeBody body;
    private volatile int count;
    private volatile Throwable failure;

    public ThreadPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 1; i < threads; i++) {
            final int id = i;
            Thread t = new Thread(() -> workerLoop(id), "steer4j-worker-" + i);
            t.setDaemon(true);
            workers[i - 1] = t;
            t.start();
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

    /** Runs {@code body} over [0, n) split into equal static chunks, one per thread. */
    public void parallelFor(int n, RangeBody body) {
        if (n <= 0) return;
        if (threads == 1 || n == 1 || !lock.tryLock()) {
            body.run(0, n);
            return;
        }
        try {
            this.body = body;
            this.count = n;
            this.failure = null;
            pending.set(threads - 1);
            generation++;
            for (Thread w : workers) LockSupport.unpark(w);
            runChunk(0, n, body);
            int spins = 0;
            while (pending.get() != 0) {
                if (++spins < 20_000) Thread.onSpinWait();
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
            lock.unlock();
        }
    }

    private void runChunk(int id, int n, RangeBody b) {
        int start = (int) ((long) n * id / threads);
        int end = (int) ((long) n * (id + 1) / threads);
        if (start < end) b.run(start, end);
    }

    private void workerLoop(int id) {
        long seen = 0;
        while (true) {
            int spins = 0;
            while (generation == seen) {
                if (++spins < 2_000) Thread.onSpinWait();
                else LockSupport.parkNanos(200_000);
            }
            seen = generation;
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
