package dev.steer4j.jmh;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.tensor.ActivationMode;
import dev.steer4j.tensor.Quantizer;
import dev.steer4j.tensor.ThreadPool;
import dev.steer4j.tensor.VectorMath;
import dev.steer4j.tensor.WeightMatrix;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Single-thread kernel throughput of every storage type: the decode matrix–vector product (float and int8
 * activations) and the tiled prefill product. Weights live off-heap like a mapped model. The default matrix (2048 ×
 * 2048) fits in the L3 cache, so these figures are compute rates; decode of a real model is bounded by DRAM instead
 * ({@code steer4j bench} measures that).
 * <pre>
 * mvn -q -Dmaven.test.skip=true package      (target/steer4j.jar, which the benchmarks link against)
 * mvn -f jmh/pom.xml -q package
 * java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar:target/steer4j.jar org.openjdk.jmh.Main KernelBench -p type=Q8_0,Q4_0
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class KernelBench {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    public String type;

    @Param({"2048"})
    public int rows;

    @Param({"2048"})
    public int cols;

    /** Input rows of the prefill product. */
    @Param({"64"})
    public int batch;

    private WeightMatrix m;
    private ThreadPool pool;
    private float[] x, xs, y, ys;
    private Arena arena;

    @Setup(Level.Trial)
    public void setup() {
        GGMLType t = GGMLType.valueOf(type);
        SplittableRandom r = new SplittableRandom(1);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() - 0.5) * 0.04f;
        byte[] q = Quantizer.quantize(t, v, rows, cols);
        arena = Arena.ofShared();
        MemorySegment seg = arena.allocate(q.length, 64);
        MemorySegment.copy(q, 0, seg, ValueLayout.JAVA_BYTE, 0, q.length);
        m = WeightMatrix.of("bench", t, seg, rows, cols);
        pool = new ThreadPool(1);
        x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = (float) r.nextGaussian();
        xs = new float[batch * cols];
        for (int i = 0; i < xs.length; i++) xs[i] = (float) r.nextGaussian();
        y = new float[rows];
        ys = new float[batch * rows];
    }

    /** Decode: one row, float activations. */
    @Benchmark
    public float matvecFloat() {
        m.matmul(pool, ActivationMode.FLOAT, x, cols, y, rows, 1);
        return y[0];
    }

    /** Decode: one row, activations quantised to int8 blocks (quantised types only; float types run float). */
    @Benchmark
    public float matvecInt8() {
        m.matmul(pool, ActivationMode.INT8, x, cols, y, rows, 1);
        return y[0];
    }

    /** Prefill: {@code batch} rows through the tiled product (float activations). */
    @Benchmark
    public float matmulTiled() {
        m.matmul(pool, ActivationMode.FLOAT, xs, cols, ys, rows, batch);
        return ys[0];
    }

    /** Steering's cost per layer and token: one vector add over n_embd. */
    @Benchmark
    public float steerAdd() {
        VectorMath.add(x, 0, y, 0, Math.min(rows, cols));
        return y[1];
    }
}
