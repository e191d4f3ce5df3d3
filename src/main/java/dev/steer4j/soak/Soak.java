package dev.steer4j.soak;

import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A soak of a steer4j server: {@code concurrency} workers send a weighted mix of {@link Scenario}s for the configured
 * time (valid completions and streams, streams dropped mid-way, malformed and oversized bodies, vector uploads,
 * use and deletes, broken uploads, guard-blocked prompts), then the server gets up to {@link SoakConfig#SETTLE} to
 * report nothing in flight. See docs/reliability.md.
 */
public final class Soak {
    private Soak() {}

    public static SoakReport run(SoakTarget target, SoakConfig config, PrintStream progress) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        try {
            return run(target, config, progress, http);
        } finally {
            http.close();
        }
    }

    private static SoakReport run(SoakTarget target, SoakConfig config, PrintStream progress, HttpClient http) throws InterruptedException {
        SoakClient probe = new SoakClient(target.url(), http, config.maxTokens(), new byte[0], 0, 0);
        int dim, layers;
        try {
            var details = probe.get("/v1/models").path("data").path(0).path("steer4j");
            dim = details.path("n_embd").asInt();
            layers = details.path("layers").asInt();
            if (target instanceof SoakTarget.Remote r) r.guarded(probe.get("/v1/guard").path("enabled").asBoolean());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the server at " + target.url() + ": " + e.getMessage(), e);
        }
        if (dim <= 0 || layers < 2) throw new IllegalStateException("the server at " + target.url() + " did not report its model's n_embd and layers");
        int layer = Math.min(layers - 1, Math.max(1, layers / 2));
        SoakClient client = new SoakClient(target.url(), http, config.maxTokens(), vector(dim, layer), layer, target.oversizedBody());

        long heapStart = target.heapUsed();
        SoakReport.Tally tally = new SoakReport.Tally();
        long t0 = System.nanoTime(), end = t0 + config.duration().toNanos();
        List<Future<?>> workers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int w = 0; w < config.concurrency(); w++) {
                int id = w;
                SplittableRandom r = new SplittableRandom(config.seed() * 1_000_003L + w);
                workers.add(pool.submit(() -> {
                    for (int n = 0; System.nanoTime() < end && !Thread.currentThread().isInterrupted(); n++)
                        tally.add(client.run(Scenario.pick(r, target.guarded()), r, id + "-" + n));
                }));
            }
            long lastReport = t0;
            while (System.nanoTime() < end) {
                Thread.sleep(Math.min(1000, Math.max(1, (end - System.nanoTime()) / 1_000_000)));
                if (progress != null && System.nanoTime() - lastReport > 30_000_000_000L) {
                    lastReport = System.nanoTime();
                    synchronized (tally) {
                        int sent = tally.counts.values().stream().mapToInt(c -> c[SoakReport.SENT]).sum();
                        progress.printf("soak: %.0f s, %,d requests%n", (lastReport - t0) / 1e9, sent);
                    }
                }
            }
            for (Future<?> f : workers) {
                try {
                    f.get(180, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                    tally.examples.add("worker: " + e);
                    f.cancel(true);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int inFlight = settle(target, probe);
        long heapEnd = target.heapUsed();
        return new SoakReport(target.describe(), config, seconds, tally.counts, tally.latencies(), tally.busy, heapStart, heapEnd,
                inFlight, tally.guardBlocked, tally.guardSent, List.copyOf(tally.examples));
    }

    /** The server's in-flight count once it reaches 0, or its last value after {@link SoakConfig#SETTLE}. */
    private static int settle(SoakTarget target, SoakClient c) throws InterruptedException {
        long end = System.nanoTime() + SoakConfig.SETTLE.toNanos();
        int n;
        while (true) {
            try {
                n = target.inFlight(c);
            } catch (IOException e) {
                n = -1;
            }
            if (n == 0 || System.nanoTime() > end) return n;
            Thread.sleep(50);
        }
    }

    /** A small control vector for the served model (one layer, unit norm), as GGUF bytes. */
    private static byte[] vector(int dim, int layer) {
        float[] d = new float[dim];
        SplittableRandom r = new SplittableRandom(dim);
        double norm = 0;
        for (int i = 0; i < dim; i++) { d[i] = (float) r.nextGaussian(); norm += d[i] * d[i]; }
        for (int i = 0; i < dim; i++) d[i] /= (float) Math.sqrt(norm);
        try {
            Path tmp = Files.createTempFile("steer4j-soak-vector", ".gguf");
            try {
                ControlVectorFile.write(tmp, SteeringVector.single(layer, d, null));
                return Files.readAllBytes(tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
