package dev.steer4j.runtime;

import dev.steer4j.bench.ModelShape;
import dev.steer4j.bench.SyntheticModel;
import dev.steer4j.model.Model;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.tensor.ActivationMode;
import dev.steer4j.tensor.ThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A decode step allocates nothing: not on the calling thread, not on the pool's workers, with or without steering
 * and capture hooks, in float and int8 mode. The model is a small synthetic Q8_0 llama whose products are large enough
 * to run on both pool threads; steps stay inside the sequence's initial cache capacity (growing the cache is the one
 * allocation a longer sequence makes, amortised by doubling).
 */
class DecodeAllocationTest {
    @TempDir
    static Path dir;
    static Model model;

    @BeforeAll
    static void synth() {
        ModelShape shape = ModelShape.parse("custom:layers=2,dim=256,heads=4,kv_heads=2,ffn=768,vocab=1024,context=512");
        Path p = dir.resolve("alloc.gguf");
        SyntheticModel.write(shape, SyntheticModel.FileType.Q8_0, 7, p, null);
        model = Model.load(p);
    }

    @AfterAll
    static void close() { model.close(); }

    static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** Bytes allocated so far by the given threads (the call itself allocates its result array, calibrated below). */
    static long allocated(long[] ids) {
        long sum = 0;
        for (long b : MX.getThreadAllocatedBytes(ids)) sum += b;
        return sum;
    }

    void decodeAllocatesNothing(ActivationMode mode, boolean hooks) {
        ThreadPool pool = new ThreadPool(2);
        ForwardPass fp = new ForwardPass(model, pool, mode);
        int vocab = model.config().vocabSize();
        int dim = model.config().dim();
        float[] sink = new float[dim];
        Map<Integer, float[]> dirs = new HashMap<>();
        for (int l = 0; l < model.config().layers(); l++) {
            float[] d = new float[dim];
            d[l] = 1f;
            dirs.put(l, d);
        }
        SteeringVector v = SteeringVector.of(dirs, VectorMetadata.unknown());
        int[] one = {1};
        // warm up the JIT on throw-away sequences (long enough for C2 even after other tests polluted the profiles)
        for (int rep = 0; rep < 60; rep++) {
            SequenceState s = new SequenceState(model, 256);
            if (hooks) {
                Steering.none().add(v, 2.0).applyTo(s);
                s.hooks().add(HookPoint.residPost(1), a -> System.arraycopy(a.data(), a.offset(a.rows() - 1), sink, 0, dim));
            }
            for (int i = 0; i < 100; i++) one[0] = Math.floorMod(argmax(fp.forward(s, one, false), vocab) + i, vocab);
        }
        SequenceState s = new SequenceState(model, 256);
        if (hooks) {
            Steering.none().add(v, 2.0).applyTo(s);
            s.hooks().add(HookPoint.residPost(1), a -> System.arraycopy(a.data(), a.offset(a.rows() - 1), sink, 0, dim));
        }
        for (int i = 0; i < 10; i++) one[0] = argmax(fp.forward(s, one, false), vocab); // creates the workspace
        long[] ids = {Thread.currentThread().threadId(), pool.workerThreadIds()[0]};
        long e0 = allocated(ids);
        long empty = allocated(ids) - e0; // what one measurement allocates by itself
        // three windows of 60 steps; a rare recompilation may allocate in one of them, steady state must not
        long best = Long.MAX_VALUE;
        StringBuilder all = new StringBuilder();
        for (int w = 0; w < 3; w++) {
            long[] b0 = MX.getThreadAllocatedBytes(ids);
            for (int i = 0; i < 60; i++) one[0] = argmax(fp.forward(s, one, false), vocab);
            long[] b1 = MX.getThreadAllocatedBytes(ids);
            long bytes = b1[0] - b0[0] + b1[1] - b0[1] - empty;
            all.append(" caller ").append(b1[0] - b0[0]).append(" worker ").append(b1[1] - b0[1]).append(';');
            best = Math.min(best, bytes);
        }
        assertEquals(0, best, mode + (hooks ? " with hooks" : "") + ": bytes allocated by 60 decode steps in three windows:" + all);
    }

    @Test
    void plainDecodeAllocatesNothing() { decodeAllocatesNothing(ActivationMode.FLOAT, false); }

    @Test
    void steeredAndCapturedDecodeAllocatesNothing() { decodeAllocatesNothing(ActivationMode.FLOAT, true); }

    @Test
    void int8DecodeAllocatesNothing() { decodeAllocatesNothing(ActivationMode.INT8, false); }

    @Test
    void aBatchedStepOfFourSequencesAllocatesNothing() {
        ThreadPool pool = new ThreadPool(2);
        ForwardPass fp = new ForwardPass(model, pool);
        int vocab = model.config().vocabSize();
        Workspace ws = new Workspace(model.config());
        Batch batch = new Batch();
        int[][] next = new int[4][1];
        SequenceState[] seqs = new SequenceState[4];
        Runnable step = () -> {
            batch.clear();
            for (int k = 0; k < 4; k++) batch.add(seqs[k], next[k], 0, 1, false);
            fp.forward(batch, ws);
            for (int k = 0; k < 4; k++) next[k][0] = argmax(ws.logits(), batch.entries().get(k).firstLogitRow() * vocab, vocab);
        };
        for (int rep = 0; rep < 40; rep++) { // warm up the JIT
            for (int k = 0; k < 4; k++) {
                seqs[k] = new SequenceState(model, 256);
                next[k][0] = 1 + k;
            }
            for (int i = 0; i < 100; i++) step.run();
        }
        for (int k = 0; k < 4; k++) {
            seqs[k] = new SequenceState(model, 256);
            next[k][0] = 1 + k;
        }
        for (int i = 0; i < 10; i++) step.run();
        long[] ids = {Thread.currentThread().threadId(), pool.workerThreadIds()[0]};
        long e0 = allocated(ids);
        long empty = allocated(ids) - e0;
        long best = Long.MAX_VALUE;
        StringBuilder all = new StringBuilder();
        for (int w = 0; w < 3; w++) {
            long[] b0 = MX.getThreadAllocatedBytes(ids);
            for (int i = 0; i < 60; i++) step.run();
            long[] b1 = MX.getThreadAllocatedBytes(ids);
            all.append(" caller ").append(b1[0] - b0[0]).append(" worker ").append(b1[1] - b0[1]).append(';');
            best = Math.min(best, b1[0] - b0[0] + b1[1] - b0[1] - empty);
        }
        assertEquals(0, best, "bytes allocated by 60 batched steps of 4 sequences in three windows:" + all);
    }

    static int argmax(float[] x, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[from + i] > x[from + best]) best = i;
        return best;
    }

    static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
