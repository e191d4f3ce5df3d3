package dev.steer4j.tensor;

import org.junit.jupiter.api.Test;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.*;

/** The static partitioning, inline execution, failure propagation and concurrency rules of {@link ThreadPool}. */
class ThreadPoolTest {
    @Test
    void staticChunksCoverTheRangeOncePerIndexInAFixedSplit() {
        ThreadPool pool = new ThreadPool(3);
        for (int rep = 0; rep < 50; rep++) {
            int n = 10;
            String[] owner = new String[n];
            int[] hits = new int[n];
            ConcurrentHashMap<String, String> chunks = new ConcurrentHashMap<>();
            pool.parallelFor(n, (s, e) -> {
                chunks.put(s + "-" + e, Thread.currentThread().getName());
                for (int i = s; i < e; i++) {
                    owner[i] = Thread.currentThread().getName();
                    hits[i]++;
                }
            });
            for (int h : hits) assertEquals(1, h);
            // n·t/T boundaries: [0,3) [3,6) [6,10), the first run by the caller
            assertEquals(java.util.Set.of("0-3", "3-6", "6-10"), chunks.keySet());
            assertEquals(Thread.currentThread().getName(), chunks.get("0-3"));
            assertNotEquals(chunks.get("3-6"), chunks.get("6-10"));
        }
    }

    @Test
    void smallJobsRunInlineOnTheCaller() {
        ThreadPool pool = new ThreadPool(2);
        AtomicInteger calls = new AtomicInteger();
        String me = Thread.currentThread().getName();
        pool.parallelFor(100, (s, e) -> {
            calls.incrementAndGet();
            assertEquals(me, Thread.currentThread().getName());
            assertEquals(0, s);
            assertEquals(100, e);
        }, ThreadPool.INLINE_WORK - 1);
        assertEquals(1, calls.get());
        // above the threshold both threads take a chunk
        pool.parallelFor(100, (s, e) -> calls.incrementAndGet(), ThreadPool.INLINE_WORK);
        assertEquals(3, calls.get());
    }

    @Test
    void aWorkerFailureReachesTheCallerAndThePoolStaysUsable() {
        ThreadPool pool = new ThreadPool(2);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> pool.parallelFor(10, (s, end) -> {
            if (s > 0) throw new IllegalStateException("chunk " + s);
        }));
        assertEquals("chunk 5", e.getMessage());
        AtomicLong sum = new AtomicLong();
        pool.parallelFor(10, (s, end) -> { for (int i = s; i < end; i++) sum.addAndGet(i); });
        assertEquals(45, sum.get());
    }

    @Test
    void concurrentAndNestedCallersAreSafe() throws Exception {
        ThreadPool pool = new ThreadPool(2);
        int callers = 4, rounds = 300;
        Thread[] ts = new Thread[callers];
        long[] results = new long[callers];
        for (int c = 0; c < callers; c++) {
            final int id = c;
            ts[c] = new Thread(() -> {
                long total = 0;
                for (int r = 0; r < rounds; r++) {
                    long[] part = new long[2];
                    pool.parallelFor(1000, (s, e) -> {
                        long local = 0;
                        // a nested call runs inline instead of waiting for the busy pool
                        long[] inner = new long[1];
                        pool.parallelFor(4, (a, b) -> inner[0] += b - a);
                        for (int i = s; i < e; i++) local += i;
                        synchronized (part) { part[0] += local; part[1] += inner[0]; }
                    });
                    assertEquals(4 * (part[1] / 4), part[1]);
                    total += part[0];
                }
                results[id] = total;
            });
            ts[c].start();
        }
        for (Thread t : ts) t.join(60_000);
        for (long r : results) assertEquals(rounds * 499_500L, r);
    }

    @Test
    void rejectsAZeroSizedPool() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ThreadPool(0));
        assertEquals("threads must be >= 1, got 0", e.getMessage());
    }
}
