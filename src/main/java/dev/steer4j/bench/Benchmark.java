package dev.steer4j.bench;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
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
    public record Options(int threads, int repeats, int[] prefill, int[] decode, int hookTokens, long seed,
                          int triadLength, boolean hooks, boolean triad) {
        public static Options defaults(int threads) {
            return new Options(threads, 3, new int[]{128, 512}, new int[]{64, 128}, 64, 42, StreamTriad.DEFAULT_LENGTH, true, true);
        }
    }

    /** One measured figure: the best and every run, in tokens per second. */
    public record Measurement(String name, int tokens, double best, double[] runs) {}

    /** Everything {@code bench} prints. */
    public record Report(String model, String architecture, String types, long fileBytes, long weightBytesPerToken,
                         int threads, String cpu, double loadMs, double firstTokenMs, double firstTokenColdMs,
                         List<Measurement> prefill, List<Measurement> decode, List<Measurement> hooks,
                         Map<String, Double> hookOverheadPercent, Double triadOneThreadGBs, Double triadGBs,
                         Double decodeBoundTokS, Double decodePercentOfBound) {}

    private final Options o;
    private final Consumer<String> log;

    public Benchmark(Options options, Consumer<String> log) {
        this.o = options;
        this.log = log == null ? s -> {} : log;
    }

    public Report run(Path modelPath) {
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
                prefill(fp, s, prompt(rnd, Math.min(128, maxPrompt(m)), vocab, bos));
                decode(fp, s, 8, vocab);
            }

            List<Measurement> pp = new ArrayList<>();
            double firstTokenMs = Double.NaN;
            for (int n : o.prefill()) {
                if (n > maxPrompt(m)) continue;
                double[] runs = new double[o.repeats()];
                for (int r = 0; r < runs.length; r++) {
                    int[] p = prompt(rnd, n, vocab, bos);
                    SequenceState s = new SequenceState(m, n + 1);
                    long b = System.nanoTime();
                    float[] logits = prefill(fp, s, p);
                    argmax(logits, vocab);
                    long t = System.nanoTime() - b;
                    runs[r] = n / (t / 1e9);
                    if (n == 128) firstTokenMs = Double.isNaN(firstTokenMs) ? ms(t) : Math.min(firstTokenMs, ms(t));
                }
                pp.add(measurement("pp" + n, n, runs));
                log.accept(line(pp.getLast()));
            }

            List<Measurement> tg = new ArrayList<>();
            for (int n : o.decode()) {
                double[] runs = new double[o.repeats()];
                for (int r = 0; r < runs.length; r++) runs[r] = decodeRun(fp, new SequenceState(m, n + 1), n, bos, vocab);
                tg.add(measurement("tg" + n, n, runs));
                log.accept(line(tg.getLast()));
            }

            List<Measurement> hooks = new ArrayList<>();
            Map<String, Double> overhead = new LinkedHashMap<>();
            if (o.hooks()) hookRuns(m, fp, bos, vocab, hooks, overhead);

            StreamTriad.Result one = null, all = null;
            if (o.triad()) {
                ThreadPool single = new ThreadPool(1);
                one = StreamTriad.measure(single, o.triadLength(), 6);
                all = o.threads() == 1 ? one : StreamTriad.measure(pool, o.triadLength(), 6);
                log.accept(String.format("STREAM triad %.1f GB/s (1 thread), %.1f GB/s (%d threads)", one.gbPerSecond(), all.gbPerSecond(), o.threads()));
            }
            long bytes = m.weightBytesPerToken();
            Double bound = all == null ? null : all.bytesPerSecond() / bytes;
            double tgBest = tg.isEmpty() ? Double.NaN : tg.getFirst().best();
            Double pct = bound == null || tg.isEmpty() ? null : 100 * tgBest / bound;
            return new Report(modelPath.getFileName().toString(), m.config().architecture().ggufName, typeSummary(m),
                    fileSize(modelPath), bytes, o.threads(), cpuName(), loadMs, firstTokenMs, coldMs, pp, tg, hooks, overhead,
                    one == null ? null : one.gbPerSecond(), all == null ? null : all.gbPerSecond(), bound, pct);
        }
    }

    /** Plain decode interleaved with: a vector on every layer, one capture hook, and a guard-like probe. */
    private void hookRuns(Model m, ForwardPass fp, int bos, int vocab, List<Measurement> out, Map<String, Double> overhead) {
        int n = o.hookTokens();
        int layers = m.config().layers();
        int dim = m.config().dim();
        SplittableRandom rnd = new SplittableRandom(o.seed() + 1);
        Map<Integer, float[]> dirs = new LinkedHashMap<>();
        for (int l = 0; l < layers; l++) dirs.put(l, unit(rnd, dim));
        SteeringVector vector = SteeringVector.of(dirs, VectorMetadata.unknown());
        int mid = layers / 2;
        float[] probe = unit(rnd, dim);
        String[] names = {"tg" + n, "tg" + n + "+steer(all layers)", "tg" + n + "+capture(1 layer)", "tg" + n + "+guard(probe, 1 layer)"};
        int rounds = Math.max(o.repeats(), 5);
        double[][] runs = new double[names.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < names.length; v++) {
                SequenceState s = new SequenceState(m, n + 1);
                AutoCloseable handle = switch (v) {
                    case 1 -> Steering.none().add(vector, 4.0).applyTo(s);
                    case 2 -> {
                        float[] sink = new float[(n + 1) * dim];
                        yield s.hooks().add(HookPoint.residPost(mid), act -> {
                            for (int i = 0; i < act.rows(); i++) System.arraycopy(act.data(), act.offset(i), sink, act.position(i) * dim, dim);
                        });
                    }
                    case 3 -> {
                        float[] scores = new float[n + 1];
                        yield s.hooks().add(HookPoint.residPost(mid), act -> {
                            for (int i = 0; i < act.rows(); i++)
                                scores[act.position(i)] = dev.steer4j.tensor.VectorMath.dot(act.data(), act.offset(i), probe, 0, dim);
                        });
                    }
                    default -> null;
                };
                runs[v][r] = decodeRun(fp, s, n, bos, vocab);
                try {
                    if (handle != null) handle.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        for (int v = 0; v < names.length; v++) {
            out.add(measurement(names[v], n, runs[v]));
            log.accept(line(out.getLast()));
        }
        double plain = out.getFirst().best();
        overhead.put("steer", 100 * (1 - out.get(1).best() / plain));
        overhead.put("capture", 100 * (1 - out.get(2).best() / plain));
        overhead.put("guard", 100 * (1 - out.get(3).best() / plain));
    }

    /** Decodes n tokens one at a time from an empty cache, greedily; returns tokens per second. */
    private static double decodeRun(ForwardPass fp, SequenceState s, int n, int first, int vocab) {
        int[] one = {first};
        long b = System.nanoTime();
        for (int i = 0; i < n; i++) {
            float[] logits = fp.forward(s, one, false);
            one[0] = argmax(logits, vocab);
        }
        return n / ((System.nanoTime() - b) / 1e9);
    }

    private static void decode(ForwardPass fp, SequenceState s, int n, int vocab) {
        int[] one = {0};
        for (int i = 0; i < n; i++) one[0] = argmax(fp.forward(s, one, false), vocab);
    }

    /** Prefill in {@link ForwardPass#PREFILL_CHUNK}-token steps, as the generator does. */
    private static float[] prefill(ForwardPass fp, SequenceState s, int[] p) {
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

    private static int[] prompt(SplittableRandom rnd, int n, int vocab, int bos) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = rnd.nextInt(Math.min(vocab, 1000), vocab);
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
        int best = 0;
        for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
        return best;
    }

    private static Measurement measurement(String name, int tokens, double[] runs) {
        double best = 0;
        for (double r : runs) best = Math.max(best, r);
        return new Measurement(name, tokens, best, runs);
    }

    static String line(Measurement m) {
        StringBuilder sb = new StringBuilder(String.format("%-28s %9.2f tok/s  (runs:", m.name(), m.best()));
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
    private static String typeSummary(Model m) {
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
