package dev.steer4j.bench;

import dev.steer4j.model.LayerWeights;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.tensor.ThreadPool;
import dev.steer4j.tensor.WeightMatrix;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * {@code steer4j bench --against llama-bench}: llama.cpp and steer4j on the same file and thread count, in alternating
 * repetitions (one llama-bench run with {@code -r 1}, then one steer4j run of every test, and again), so that the
 * machine's drift hits both alike. Tests are llama-bench's: {@code ppN} is N random tokens into an empty cache,
 * {@code tgN} N tokens one at a time from an empty cache. Each side's figure is its best repetition (the median is
 * reported too); the ratio is steer4j ÷ llama.cpp. The FP32 peak is measured before and after the runs and the higher
 * figure kept.
 */
public final class SideBySide {
    /** One test on both engines: tokens/s of every repetition, best and median, and the ratios. */
    public record Row(String test, double[] llamaCpp, double[] steer4j, double llamaCppBest, double steer4jBest,
                      double llamaCppMedian, double steer4jMedian, double ratioBest, double ratioMedian,
                      Double steer4jGFlops, Double steer4jPercentOfFp32Peak) {}

    /** The whole comparison. */
    public record Report(String model, String types, int threads, int repeats, String cpu, String llamaBench,
                         String llamaBuildCommit, String llamaCpuInfo, String llamaModelType,
                         double fp32PeakGFlops, long flopsPerToken, List<Row> rows,
                         String loadAverageBefore, String loadAverageAfter) {}

    private final ThreadPool pool;
    private final int threads, repeats;
    private final int[] prompts, gens;
    private final long minRunNanos;
    private final LlamaBench llama;
    private final Consumer<String> log;

    public SideBySide(LlamaBench llama, int threads, int repeats, int[] prompts, int[] gens, long minRunNanos, Consumer<String> log) {
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
        this.llama = llama;
        this.threads = threads;
        this.repeats = repeats;
        this.prompts = prompts;
        this.gens = gens;
        this.minRunNanos = minRunNanos;
        this.log = log == null ? s -> {} : log;
        this.pool = new ThreadPool(threads);
    }

    public Report run(Path modelPath) {
        String before = Benchmark.loadAverage();
        FmaPeak.Result peak = FmaPeak.measure(pool, 5);
        log.accept(String.format("FP32 FMA peak (Vector API, %d lanes, %d threads): %.1f GFLOP/s", peak.lanes(), threads, peak.gflops()));
        List<String> names = new ArrayList<>();
        for (int p : prompts) names.add("pp" + p);
        for (int g : gens) names.add("tg" + g);
        double[][] lr = new double[names.size()][repeats], sr = new double[names.size()][repeats];
        LlamaBench.Run last = null;
        String types;
        long flopsPerToken;
        try (Model m = Model.load(modelPath)) {
            types = Benchmark.typeSummary(m);
            flopsPerToken = 2 * matrixMacsPerToken(m);
            ForwardPass fp = new ForwardPass(m, pool);
            int vocab = m.config().vocabSize();
            int bos = Math.max(0, m.tokenizer().bos());
            SplittableRandom rnd = new SplittableRandom(42);
            int max = m.config().contextLength() - 1;
            for (int p : prompts) if (p > max) throw new IllegalArgumentException("pp" + p + " exceeds the model's context of " + (max + 1));
            for (int g : gens) if (g > max) throw new IllegalArgumentException("tg" + g + " exceeds the model's context of " + (max + 1));
            // warm-up: compile the kernels at the row counts the runs use
            for (int w = 0; w < 2; w++) {
                for (int p : prompts) prefillOnce(fp, m, Benchmark.prompt(rnd, p, vocab, bos), vocab);
                decodeOnce(fp, m, Math.min(8, max), bos, vocab);
            }
            for (int r = 0; r < repeats; r++) {
                last = llama.run(modelPath, threads, prompts, gens, 1);
                for (int t = 0; t < names.size(); t++) {
                    LlamaBench.Test lt = last.test(names.get(t));
                    if (lt == null) throw new IllegalStateException("--against: llama-bench reported no " + names.get(t) + " test");
                    lr[t][r] = best(lt.samplesTokS());
                }
                for (int t = 0; t < names.size(); t++) {
                    boolean pp = t < prompts.length;
                    int n = pp ? prompts[t] : gens[t - prompts.length];
                    int[] p = pp ? Benchmark.prompt(rnd, n, vocab, bos) : null;
                    long nanos = 0, tokens = 0;
                    do {
                        nanos += pp ? prefillOnce(fp, m, p, vocab) : decodeOnce(fp, m, n, bos, vocab);
                        tokens += n;
                    } while (nanos < minRunNanos);
                    sr[t][r] = tokens / (nanos / 1e9);
                }
                StringBuilder sb = new StringBuilder("repeat " + (r + 1) + ":");
                for (int t = 0; t < names.size(); t++)
                    sb.append(String.format("  %s llama.cpp %.2f steer4j %.2f", names.get(t), lr[t][r], sr[t][r]));
                log.accept(sb.toString());
            }
        }
        // the peak again after the runs: a neighbour's burst during one measurement must not make prefill look > 100 %
        FmaPeak.Result after = FmaPeak.measure(pool, 5);
        if (after.gflops() > peak.gflops()) peak = after;
        log.accept(String.format("FP32 FMA peak after the runs: %.1f GFLOP/s; the higher one is used", after.gflops()));
        List<Row> rows = new ArrayList<>();
        for (int t = 0; t < names.size(); t++) {
            double lb = best(lr[t]), sb = best(sr[t]), lm = median(lr[t]), sm = median(sr[t]);
            boolean pp = t < prompts.length;
            Double gf = pp ? sb * flopsPerToken / 1e9 : null;
            Double pct = pp ? 100 * gf / peak.gflops() : null;
            rows.add(new Row(names.get(t), lr[t], sr[t], lb, sb, lm, sm, sb / lb, sm / lm, gf, pct));
        }
        return new Report(modelPath.getFileName().toString(), types, threads, repeats, Benchmark.cpuName(),
                llama.executable().toString(), last.buildCommit(), last.cpuInfo(), last.modelType(),
                peak.gflops(), flopsPerToken, rows, before, Benchmark.loadAverage());
    }

    /** Multiply-adds of the weight matrices per token (projections, FFN, output); attention not included. */
    static long matrixMacsPerToken(Model m) {
        long sum = macs(m.output());
        for (int l = 0; l < m.config().layers(); l++) {
            LayerWeights w = m.layer(l);
            for (WeightMatrix x : Arrays.asList(w.wq(), w.wk(), w.wv(), w.wo(), w.ffnGate(), w.ffnUp(), w.ffnDown())) sum += macs(x);
        }
        return sum;
    }

    private static long macs(WeightMatrix w) {
        return w == null ? 0 : (long) w.rows() * w.cols();
    }

    private static long prefillOnce(ForwardPass fp, Model m, int[] p, int vocab) {
        SequenceState s = new SequenceState(m, p.length + 1);
        long t0 = System.nanoTime();
        Benchmark.argmax(Benchmark.prefill(fp, s, p), vocab);
        return System.nanoTime() - t0;
    }

    private static long decodeOnce(ForwardPass fp, Model m, int n, int first, int vocab) {
        SequenceState s = new SequenceState(m, n + 1);
        int[] one = {first};
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) one[0] = Benchmark.argmax(fp.forward(s, one, false), vocab);
        return System.nanoTime() - t0;
    }

    static double best(double[] xs) {
        double b = Double.NEGATIVE_INFINITY;
        for (double x : xs) b = Math.max(b, x);
        return b;
    }

    static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }
}
