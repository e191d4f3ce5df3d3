package dev.steer4j.bench;

import dev.steer4j.guard.Detector;
import dev.steer4j.guard.Guard;
import dev.steer4j.guard.GuardPolicy;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.Batch;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.runtime.Workspace;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.tensor.ThreadPool;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The {@code steer4j bench} measurements, the way llama.cpp's {@code llama-bench} takes them: prefill {@code ppN} is N
 * random tokens into an empty cache, decode {@code tgN} is N tokens one at a time from an empty cache. Every figure is
 * the best of several runs (the machine is shared and noisy); the hook variants run interleaved with plain decode so
 * that drift hits them all alike.
 */
public final class Benchmark {
    /** What to measure. */
    /**
     * @param minRunNanos a run repeats its work until at least this long has passed, so that small models are timed
     *                    over many steps
     * @param streams     concurrent sequences for the continuous-batching figure (0 or 1 skips it)
     */
    public record Options(int threads, int repeats, int[] prefill, int[] decode, int hookTokens, long seed,
                          int triadLength, boolean hooks, boolean triad, long minRunNanos, int streams) {
        public static Options defaults(int threads) {
            return new Options(threads, 3, new int[]{128, 512}, new int[]{64, 128}, 64, 42, StreamTriad.DEFAULT_LENGTH, true, true, MIN_RUN_NANOS, 8);
        }
    }

    /**
     * One measured figure: the best and every run, in tokens per second, and the share of the threads' time the
     * process got on the CPU during the best run (process CPU time ÷ (wall time × threads); well below 100 % means
     * other processes took the cores and the figure is limited by them, not by the engine).
     */
    public record Measurement(String name, int tokens, double best, double[] runs, double cpuShareOfBest) {}

    /** Everything {@code bench} prints. */
    public record Report(String model, String architecture, String types, long fileBytes, long weightBytesPerToken,
                         int threads, String cpu, double loadMs, double firstTokenMs, double firstTokenColdMs,
                         List<Measurement> prefill, List<Measurement> decode, List<Measurement> streams,
                         Double streamsSpeedup, List<Measurement> hooks,
                         Map<String, Double> hookOverheadPercent, Map<String, Double> hookMicrosPerToken,
                         Double triadOneThreadGBs, Double triadGBs,
                         Double decodeBoundTokS, Double decodePercentOfBound, String loadAverageBefore, String loadAverageAfter) {}

    /** Default minimum duration of one timed run. */
    public static final long MIN_RUN_NANOS = 250_000_000L;

    private final Options o;
    private final Consumer<String> log;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    public Benchmark(Options options, Consumer<String> log) {
        this.o = options;
        this.log = log == null ? s -> {} : log;
    }

    public Report run(Path modelPath) {
        String loadBefore = loadAverage();
        ThreadPool pool = new ThreadPool(o.threads());
        long t0 = System.nanoTime();
        try (Model m = Model.load(modelPath)) {
            double loadMs = ms(System.nanoTime() - t0);
            ForwardPass fp = new ForwardPass(m, pool);
            int vocab = m.config().vocabSize();
            SplittableRandom rnd = new SplittableRandom(o.seed());
            int bos = m.tokenizer().bos() >= 0 ? m.tokenizer().bos() : 0;

            // Time to first token from a cold start: load, then a 16-token prompt with an untrained JIT.
            int[] shortPrompt = prompt(rnd, 16, vocab, bos);
            long a = System.nanoTime();
            argmax(fp.forward(new SequenceState(m), shortPrompt, false), vocab);
            double coldMs = loadMs + ms(System.nanoTime() - a);
            log.accept(String.format("loaded in %.0f ms; first token of a 16-token prompt %.0f ms after the start", loadMs, coldMs));

            // Warm-up: compile the kernels at every row count the runs use.
            for (int w = 0; w < 2; w++) {
                SequenceState s = new SequenceState(m);
                prefill(fp, s, prompt(rnd, Math.min(128, m.config().contextLength() / 2), vocab, bos));
                decode(fp, s, Math.min(8, m.config().contextLength() / 4), vocab);
            }

            List<Measurement> pp = new ArrayList<>();
            double firstTokenMs = Double.NaN;
            for (int n : o.prefill()) {
                if (n > maxPrompt(m)) continue;
                double[] runs = new double[o.repeats()];
                double[] shares = new double[o.repeats()];
                int[] p = prompt(rnd, n, vocab, bos);
                for (int r = 0; r < runs.length; r++) {
                    Run run = new Run();
                    do {
                        SequenceState s = new SequenceState(m, n + 1);
                        run.start();
                        argmax(prefill(fp, s, p), vocab);
                        long t = run.stop(n);
                        if (n == 128) firstTokenMs = Double.isNaN(firstTokenMs) ? ms(t) : Math.min(firstTokenMs, ms(t));
                    } while (run.nanos < o.minRunNanos());
                    runs[r] = run.tokensPerSecond();
                    shares[r] = run.cpuShare(o.threads());
                }
                pp.add(measurement("pp" + n, n, runs, shares));
                log.accept(line(pp.getLast()));
            }

            List<Measurement> tg = new ArrayList<>();
            for (int n : o.decode()) {
                if (n > maxPrompt(m)) continue;
                double[] runs = new double[o.repeats()];
                double[] shares = new double[o.repeats()];
                for (int r = 0; r < runs.length; r++) {
                    Run run = new Run();
                    do decodeRun(fp, new SequenceState(m, n + 1), n, bos, vocab, run); while (run.nanos < o.minRunNanos());
                    runs[r] = run.tokensPerSecond();
                    shares[r] = run.cpuShare(o.threads());
                }
                tg.add(measurement("tg" + n, n, runs, shares));
                log.accept(line(tg.getLast()));
            }

            List<Measurement> streams = new ArrayList<>();
            Double speedup = null;
            if (o.streams() > 1 && !tg.isEmpty()) {
                streams.addAll(streamsRuns(m, fp, o.streams(), tg.getFirst().tokens(), rnd, vocab));
                for (Measurement s : streams) log.accept(line(s));
                speedup = streams.get(1).best() / streams.get(0).best();
                log.accept(String.format("%d concurrent streams decode %.2fx the tokens/s of one stream", o.streams(), speedup));
            }

            List<Measurement> hooks = new ArrayList<>();
            Map<String, Double> overhead = new LinkedHashMap<>();
            Map<String, Double> hookMicros = new LinkedHashMap<>();
            if (o.hooks()) hookRuns(m, fp, bos, vocab, hooks, overhead, hookMicros);

            StreamTriad.Result one = null, all = null;
            if (o.triad()) {
                ThreadPool single = new ThreadPool(1);
                one = StreamTriad.measure(single, o.triadLength(), 6);
                all = o.threads() == 1 ? one : StreamTriad.measure(pool, o.triadLength(), 6);
                log.accept(String.format("STREAM triad %.1f GB/s (1 thread), %.1f GB/s (%d threads)", one.gbPerSecond(), all.gbPerSecond(), o.threads()));
            }
            long bytes = m.weightBytesPerToken();
            Double bound = all == null ? null : all.bytesPerSecond() / bytes;
            // plain decode of the first length is measured twice (alone, and interleaved with the hook variants): take the best
            double tgBest = tg.isEmpty() ? Double.NaN : tg.getFirst().best();
            if (!tg.isEmpty() && !hooks.isEmpty() && hooks.getFirst().tokens() == tg.getFirst().tokens())
                tgBest = Math.max(tgBest, hooks.getFirst().best());
            Double pct = bound == null || tg.isEmpty() ? null : 100 * tgBest / bound;
            return new Report(modelPath.getFileName().toString(), m.config().architecture().ggufName, typeSummary(m),
                    fileSize(modelPath), bytes, o.threads(), cpuName(), loadMs, firstTokenMs, coldMs, pp, tg, streams, speedup, hooks, overhead, hookMicros,
                    one == null ? null : one.gbPerSecond(), all == null ? null : all.gbPerSecond(), bound, pct,
                    loadBefore, loadAverage());
        }
    }

    /**
     * Aggregate decode throughput of {@code k} greedy streams decoded together, the way the server's continuous
     * batching runs them, and of one stream in the same loop (the baseline of the speed-up): each step is one
     * {@link Batch} with one token per stream, so every weight matrix is read once per step for all streams. Each
     * stream starts from its own random token and decodes {@code n} tokens; a figure counts the tokens of all its
     * streams. The two alternate across the repeats, so that drift hits both.
     */
    private List<Measurement> streamsRuns(Model m, ForwardPass fp, int k, int n, SplittableRandom rnd, int vocab) {
        Workspace ws = new Workspace(m.config());
        Batch batch = new Batch();
        int[] counts = {1, k};
        double[][] runs = new double[2][o.repeats()];
        double[][] shares = new double[2][o.repeats()];
        for (int r = 0; r < o.repeats(); r++) {
            for (int c = 0; c < 2; c++) {
                int streams = counts[c];
                Run run = new Run();
                do {
                    SequenceState[] seqs = new SequenceState[streams];
                    int[][] next = new int[streams][1];
                    for (int i = 0; i < streams; i++) {
                        seqs[i] = new SequenceState(m, n + 1);
                        next[i][0] = rnd.nextInt(Math.min(1000, vocab / 4), vocab);
                    }
                    run.start();
                    for (int step = 0; step < n; step++) {
                        batch.clear();
                        for (int i = 0; i < streams; i++) batch.add(seqs[i], next[i], 0, 1, false);
                        fp.forward(batch, ws);
                        float[] logits = ws.logits();
                        for (int i = 0; i < streams; i++) next[i][0] = argmax(logits, batch.entries().get(i).firstLogitRow() * vocab, vocab);
                    }
                    run.stop(n * streams);
                } while (run.nanos < o.minRunNanos());
                runs[c][r] = run.tokensPerSecond();
                shares[c][r] = run.cpuShare(o.threads());
            }
        }
        return List.of(measurement("tg" + n + " x1 stream (batched loop)", n, runs[0], shares[0]),
                measurement("tg" + n + " x" + k + " streams (aggregate)", n * k, runs[1], shares[1]));
    }

    /**
     * Plain decode interleaved with: a vector on every layer, one capture hook, a probe (one dot product per token at
     * one layer) and the guard (one flag detector). Two figures per variant: decode tokens/s (best of the rounds;
     * on a shared 2-core machine its noise is several %, larger than the effect), and the time spent inside the
     * variant's hooks per token, measured by timing hooks registered just before and just after it at every hook
     * point, net of those timers' own cost; {@code hookOverheadPercent} is that time as a share of a plain token.
     */
    private void hookRuns(Model m, ForwardPass fp, int bos, int vocab, List<Measurement> out, Map<String, Double> overhead,
                          Map<String, Double> hookMicros) {
        int n = Math.min(o.hookTokens(), maxPrompt(m));
        int layers = m.config().layers();
        int dim = m.config().dim();
        SplittableRandom rnd = new SplittableRandom(o.seed() + 1);
        Map<Integer, float[]> dirs = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) dirs.put(l, unit(rnd, dim));
        SteeringVector vector = SteeringVector.of(dirs, VectorMetadata.unknown());
        int mid = layers / 2;
        float[] probe = unit(rnd, dim);
        String[] names = {"tg" + n, "tg" + n + "+steer(all layers)", "tg" + n + "+capture(1 layer)",
                "tg" + n + "+probe(1 layer)", "tg" + n + "+guard(1 detector)"};
        Guard guard = new Guard(java.util.List.of(new Detector("bench", mid, probe, 0.5, GuardPolicy.FLAG, null, null, 0, null)), m.config().name());
        float[] sink = new float[(n + 1) * dim];
        float[] scores = new float[n + 1];
        java.util.function.BiFunction<Integer, SequenceState, AutoCloseable> variant = (v, s) -> switch (v) {
            case 1 -> Steering.none().add(vector, 4.0).applyTo(s);
            case 2 -> s.hooks().add(HookPoint.residPost(mid), act -> {
                for (int i = 0; i < act.rows(); i++) System.arraycopy(act.data(), act.offset(i), sink, act.position(i) * dim, dim);
            });
            case 3 -> s.hooks().add(HookPoint.residPost(mid), act -> {
                for (int i = 0; i < act.rows(); i++)
                    scores[act.position(i)] = dev.steer4j.tensor.VectorMath.dot(act.data(), act.offset(i), probe, 0, dim);
            });
            case 4 -> guard.attach(s, name -> { throw new IllegalArgumentException(name); });
            default -> null;
        };
        int rounds = Math.max(o.repeats(), 5);
        double[][] runs = new double[names.length][rounds];
        double[][] shares = new double[names.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < names.length; v++) {
                Run run = new Run();
                do {
                    SequenceState s = new SequenceState(m, n + 1);
                    AutoCloseable handle = variant.apply(v, s);
                    decodeRun(fp, s, n, bos, vocab, run);
                    close(handle);
                } while (run.nanos < o.minRunNanos());
                runs[v][r] = run.tokensPerSecond();
                shares[v][r] = run.cpuShare(o.threads());
            }
        }
        for (int v = 0; v < names.length; v++) {
            out.add(measurement(names[v], n, runs[v], shares[v]));
            log.accept(line(out.getLast()));
        }
        // time inside the hooks: brackets around the variant at every hook point, best of three passes
        List<HookPoint> points = new ArrayList<>();
        points.add(HookPoint.embed());
        for (int l = 0; l < layers; l++)
            for (dev.steer4j.runtime.HookSite site : dev.steer4j.runtime.HookSite.values())
                if (site.perLayer) points.add(HookPoint.of(site, l));
        points.add(HookPoint.finalNorm());
        double[] nanosPerToken = new double[names.length];
        java.util.Arrays.fill(nanosPerToken, Double.MAX_VALUE);
        for (int pass = 0; pass < 3; pass++) {
            for (int v = 0; v < names.length; v++) {
                SequenceState s = new SequenceState(m, n + 1);
                long[] clock = new long[2]; // [start of the current point, total]
                for (HookPoint p : points) s.hooks().add(p, act -> clock[0] = System.nanoTime());
                AutoCloseable handle = variant.apply(v, s);
                for (HookPoint p : points) s.hooks().add(p, act -> clock[1] += System.nanoTime() - clock[0]);
                decodeRun(fp, s, n, bos, vocab, new Run());
                close(handle);
                nanosPerToken[v] = Math.min(nanosPerToken[v], clock[1] / (double) n);
            }
        }
        double plainTokenNanos = 1e9 / out.getFirst().best();
        String[] keys = {"steer", "capture", "probe", "guard"};
        for (int v = 1; v < names.length; v++) {
            double net = Math.max(0, nanosPerToken[v] - nanosPerToken[0]);
            hookMicros.put(keys[v - 1], net / 1e3);
            overhead.put(keys[v - 1], 100 * net / plainTokenNanos);
        }
        log.accept(String.format("time inside the hooks per token: steer %.1f us, capture %.1f us, probe %.1f us, guard %.1f us (a plain token takes %.0f us)",
                hookMicros.get("steer"), hookMicros.get("capture"), hookMicros.get("probe"), hookMicros.get("guard"), plainTokenNanos / 1e3));
    }

    private static void close(AutoCloseable handle) {
        try {
            if (handle != null) handle.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Accumulated tokens, wall time and process CPU time of one timed run. */
    private final class Run {
        long nanos, cpu, tokens;
        private long t0, c0;

        void start() {
            c0 = os.getProcessCpuTime();
            t0 = System.nanoTime();
        }

        long stop(int n) {
            long t = System.nanoTime() - t0;
            nanos += t;
            cpu += os.getProcessCpuTime() - c0;
            tokens += n;
            return t;
        }

        double tokensPerSecond() { return tokens / (nanos / 1e9); }

        double cpuShare(int threads) { return Math.min(1.0, cpu / (double) (nanos * threads)); }
    }

    /** The 1-, 5- and 15-minute load averages (Linux), or "n/a". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (Exception e) {
            return "n/a";
        }
    }

    /** Decodes n tokens one at a time from an empty cache, greedily, timed into {@code run}. */
    private static void decodeRun(ForwardPass fp, SequenceState s, int n, int first, int vocab, Run run) {
        int[] one = {first};
        run.start();
        for (int i = 0; i < n; i++) {
            float[] logits = fp.forward(s, one, false);
            one[0] = argmax(logits, vocab);
        }
        run.stop(n);
    }

    private static void decode(ForwardPass fp, SequenceState s, int n, int vocab) {
        int[] one = {0};
        for (int i = 0; i < n; i++) one[0] = argmax(fp.forward(s, one, false), vocab);
    }

    /** Prefill in {@link ForwardPass#PREFILL_CHUNK}-token steps, as the generator does. */
    static float[] prefill(ForwardPass fp, SequenceState s, int[] p) {
        float[] logits = null;
        for (int from = 0; from < p.length; from += ForwardPass.PREFILL_CHUNK) {
            int count = Math.min(ForwardPass.PREFILL_CHUNK, p.length - from);
            logits = fp.forward(s, from == 0 && count == p.length ? p : Arrays.copyOfRange(p, from, from + count), false);
        }
        return logits;
    }

    private static int maxPrompt(Model m) {
        return m.config().contextLength() - 1;
    }

    static int[] prompt(SplittableRandom rnd, int n, int vocab, int bos) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = rnd.nextInt(Math.min(1000, vocab / 4), vocab);
        p[0] = bos;
        return p;
    }

    private static float[] unit(SplittableRandom rnd, int dim) {
        float[] v = new float[dim];
        double ss = 0;
        for (int i = 0; i < dim; i++) {
            v[i] = (float) (rnd.nextDouble() - 0.5);
            ss += v[i] * v[i];
        }
        float inv = (float) (1 / Math.sqrt(ss));
        for (int i = 0; i < dim; i++) v[i] *= inv;
        return v;
    }

    static int argmax(float[] x, int n) {
        return argmax(x, 0, n);
    }

    /** Index (0..n-1) of the largest of x[from, from+n). */
    static int argmax(float[] x, int from, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[from + i] > x[from + best]) best = i;
        return best;
    }

    private static Measurement measurement(String name, int tokens, double[] runs, double[] shares) {
        int best = 0;
        for (int i = 1; i < runs.length; i++) if (runs[i] > runs[best]) best = i;
        return new Measurement(name, tokens, runs[best], runs, shares[best]);
    }

    static String line(Measurement m) {
        StringBuilder sb = new StringBuilder(String.format("%-28s %9.2f tok/s  (cpu share %3.0f%%; runs:", m.name(), m.best(), 100 * m.cpuShareOfBest()));
        for (double r : m.runs()) sb.append(String.format(" %.2f", r));
        return sb.append(')').toString();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static long fileSize(Path p) {
        try {
            return Files.size(p);
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /** Tensor types by bytes, e.g. "Q8_0 (100%)" or "Q4_0 72%, Q6_K 28%". */
    static String typeSummary(Model m) {
        Map<String, Long> by = new LinkedHashMap<>();
        long total = 0;
        for (var t : m.file().tensors().values()) {
            if (t.dims().length < 2) continue;
            by.merge(t.type().name(), t.byteSize(), Long::sum);
            total += t.byteSize();
        }
        List<String> parts = new ArrayList<>();
        final long tot = total;
        by.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue()))
                .forEach(e -> parts.add(e.getKey() + " " + Math.round(100.0 * e.getValue() / tot) + "%"));
        return String.join(", ", parts);
    }

    /** The CPU model name from /proc/cpuinfo (Linux), with the core count. */
    static String cpuName() {
        String name = System.getProperty("os.arch");
        try {
            for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (l.startsWith("model name")) {
                    name = l.substring(l.indexOf(':') + 1).trim();
                    break;
                }
            }
        } catch (Exception ignored) {
            // not Linux: keep os.arch
        }
        return name + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
