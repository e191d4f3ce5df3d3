package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.steer4j.bench.Benchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steer4j bench}: throughput, hook costs, memory bandwidth and the decode bound. A benchmark, not a test. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure prefill (pp128, pp512) and decode (tg64, tg128) tokens/s as llama-bench does, decode with a "
                + "steering vector on every layer, with one capture hook and with a guard-like probe, load time and time to "
                + "first token, the memory bandwidth (STREAM triad) and decode speed as %% of the bandwidth bound.",
                "Each figure is the best of --repeats runs. Synthesize a model of a real shape with `steer4j synth`."})
public final class BenchCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "3", description = "Timed runs per figure; the best is reported (default: ${DEFAULT-VALUE}; the hook comparison uses at least 5)")
    int repeats;

    @Option(names = "--prefill", split = ",", paramLabel = "N", description = "Prompt lengths (default: 128,512)")
    int[] prefill = {128, 512};

    @Option(names = "--decode", split = ",", paramLabel = "N", description = "Decode lengths (default: 64,128; 64 with --against)")
    int[] decode;

    @Option(names = "--against", paramLabel = "LLAMA-BENCH",
            description = "Path to llama.cpp's llama-bench: run it and steer4j on the same file and thread count in alternating "
                    + "repetitions, and print both figures and the ratio for each test (pp128, pp512, tg64 unless --prefill/--decode say otherwise)")
    java.nio.file.Path against;

    @Option(names = "--against-timeout", defaultValue = "900", paramLabel = "S", description = "Seconds one llama-bench run may take (default: ${DEFAULT-VALUE})")
    long againstTimeout;

    @Option(names = "--no-hooks", description = "Skip the steering/capture/guard comparison")
    boolean noHooks;

    @Option(names = "--no-triad", description = "Skip the memory-bandwidth measurement")
    boolean noTriad;

    @Option(names = "--min-run-ms", paramLabel = "MS", defaultValue = "250", description = "Each run repeats until at least this many ms have passed (default: ${DEFAULT-VALUE})")
    long minRunMs;

    @Option(names = "--streams", paramLabel = "N", defaultValue = "8", description = "Concurrent streams for the continuous-batching figure, decoded together one token each per step as the server does (0 skips it; default: ${DEFAULT-VALUE})")
    int streams;

    @Option(names = "--json", description = "Print one JSON object instead of the table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        int threads = model.threads();
        if (repeats < 1) throw new IllegalArgumentException("--repeats must be at least 1, got " + repeats);
        if (streams < 0) throw new IllegalArgumentException("--streams must be 0 (skip) or more, got " + streams);
        if (against != null) return sideBySide();
        if (decode == null) decode = new int[]{64, 128};
        int hookTokens = decode.length > 0 ? decode[0] : 64;
        Benchmark.Options o = new Benchmark.Options(threads, repeats, prefill, decode, hookTokens, 42,
                dev.steer4j.bench.StreamTriad.DEFAULT_LENGTH, !noHooks, !noTriad, minRunMs * 1_000_000L, streams);
        Benchmark b = new Benchmark(o, json ? null : line -> {
            System.out.println("  " + line);
            System.out.flush();
        });
        if (!json) System.out.printf("steer4j bench: %s, %d threads%n", model.path(), threads);
        Benchmark.Report r = b.run(model.path());
        if (json) {
            ObjectMapper om = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
            System.out.println(om.writeValueAsString(r));
        } else {
            print(r);
        }
        return 0;
    }

    private int sideBySide() throws Exception {
        int threads = model.threads();
        int[] gens = decode == null ? new int[]{64} : decode;
        dev.steer4j.bench.LlamaBench llama = new dev.steer4j.bench.LlamaBench(against, againstTimeout);
        if (!json) System.out.printf("steer4j bench --against %s: %s, %d threads, %d alternating repeats%n", against, model.path(), threads, repeats);
        dev.steer4j.bench.SideBySide sbs = new dev.steer4j.bench.SideBySide(llama, threads, repeats, prefill, gens, minRunMs * 1_000_000L,
                json ? null : line -> {
                    System.out.println("  " + line);
                    System.out.flush();
                });
        dev.steer4j.bench.SideBySide.Report r = sbs.run(model.path());
        if (json) {
            System.out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(r));
            return 0;
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "model        %s (%s); llama.cpp says %s%n", r.model(), r.types(), r.llamaModelType());
        System.out.printf(Locale.ROOT, "machine      %s, %d threads; llama.cpp build %s%n", r.cpu(), r.threads(), r.llamaBuildCommit());
        System.out.printf(Locale.ROOT, "fp32 peak    %.1f GFLOP/s (Vector API FMA kernel, %d threads); %.2f GFLOP per token in the weight matrices%n",
                r.fp32PeakGFlops(), r.threads(), r.flopsPerToken() / 1e9);
        System.out.printf(Locale.ROOT, "%-8s %12s %12s %8s   %s%n", "test", "llama.cpp", "steer4j", "ratio", "(tok/s, best of " + r.repeats() + "; medians; steer4j prefill GFLOP/s)");
        for (var row : r.rows()) {
            String extra = row.steer4jGFlops() == null ? "" : String.format(Locale.ROOT, "; %.0f GFLOP/s = %.0f %% of the FP32 peak", row.steer4jGFlops(), row.steer4jPercentOfFp32Peak());
            System.out.printf(Locale.ROOT, "%-8s %12.2f %12.2f %7.2fx   (medians %.2f / %.2f = %.2fx%s)%n", row.test(), row.llamaCppBest(), row.steer4jBest(),
                    row.ratioBest(), row.llamaCppMedian(), row.steer4jMedian(), row.ratioMedian(), extra);
        }
        System.out.printf(Locale.ROOT, "noise        load average %s before, %s after%n", r.loadAverageBefore(), r.loadAverageAfter());
        return 0;
    }

    private static void print(Benchmark.Report r) {
        System.out.println();
        System.out.printf(Locale.ROOT, "model        %s (%s; %s; %.2f GB file, %.2f GB of weights read per token)%n",
                r.model(), r.architecture(), r.types(), r.fileBytes() / 1e9, r.weightBytesPerToken() / 1e9);
        System.out.printf(Locale.ROOT, "machine      %s, %d threads%n", r.cpu(), r.threads());
        System.out.printf(Locale.ROOT, "load         %.0f ms; first token (16-token prompt, cold JIT) %.0f ms after start; "
                + "first token after a 128-token prompt (warm) %.0f ms%n", r.loadMs(), r.firstTokenColdMs(), r.firstTokenMs());
        for (var m : r.prefill()) row("prefill", m);
        for (var m : r.decode()) row("decode", m);
        for (var m : r.streams()) row("streams", m);
        if (r.streamsSpeedup() != null)
            System.out.printf(Locale.ROOT, "batching     %s decode %.2fx the tokens/s of one stream%n",
                    r.streams().getLast().name().replace(" (aggregate)", ""), r.streamsSpeedup());
        for (var m : r.hooks()) row("hooks", m);
        for (Map.Entry<String, Double> e : r.hookOverheadPercent().entrySet())
            System.out.printf(Locale.ROOT, "overhead     %-28s %8.1f us per token in its hooks = %.3f %% of a plain decode step%n",
                    e.getKey(), r.hookMicrosPerToken().get(e.getKey()), e.getValue());
        if (r.triadGBs() != null) {
            System.out.printf(Locale.ROOT, "bandwidth    STREAM triad %.1f GB/s (1 thread), %.1f GB/s (%d threads)%n", r.triadOneThreadGBs(), r.triadGBs(), r.threads());
            System.out.printf(Locale.ROOT, "bound        %.2f tok/s (%.2f GB per token / %.1f GB/s); %s (best plain run) is %.0f %% of the bound%n",
                    r.decodeBoundTokS(), r.weightBytesPerToken() / 1e9, r.triadGBs(),
                    r.decode().isEmpty() ? "decode" : r.decode().getFirst().name(), r.decodePercentOfBound());
        }
        System.out.printf(Locale.ROOT, "noise        load average %s before, %s after; cpu share = process CPU time / (wall time x threads) "
                + "of the best run, below ~90 %% means other processes held the cores%n", r.loadAverageBefore(), r.loadAverageAfter());
    }

    private static void row(String what, dev.steer4j.bench.Benchmark.Measurement m) {
        System.out.printf(Locale.ROOT, "%-12s %-28s %9.2f tok/s   (cpu share %3.0f %%)%n", what, m.name(), m.best(), 100 * m.cpuShareOfBest());
    }
}
