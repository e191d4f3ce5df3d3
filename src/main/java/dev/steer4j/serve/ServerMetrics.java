package dev.steer4j.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.IntSupplier;

/**
 * The server's Prometheus metrics (text format at {@code /metrics}): requests by endpoint and status, prompt and
 * generated tokens, generated tokens per second over the last 10 seconds, queue depth, active requests, batch sizes,
 * guard decisions, cancellations, and latency histograms (request duration, time to first token, queue wait).
 */
final class ServerMetrics {
    private static final long WINDOW_NANOS = 10_000_000_000L;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    final Counter requests;
    final Counter promptTokens;
    final Counter generatedTokens;
    final Counter guardDecisions;
    final Counter cancelled;
    final Histogram requestSeconds;
    final Histogram firstTokenSeconds;
    final Histogram queueSeconds;
    final Histogram batchRows;
    private final ArrayDeque<long[]> window = new ArrayDeque<>();

    ServerMetrics(IntSupplier queueDepth, IntSupplier active) {
        requests = Counter.builder().name("steer4j_requests").help("HTTP requests by endpoint and status code")
                .labelNames("endpoint", "status").register(registry);
        promptTokens = Counter.builder().name("steer4j_prompt_tokens").help("Prompt tokens processed").register(registry);
        generatedTokens = Counter.builder().name("steer4j_generated_tokens").help("Tokens generated").register(registry);
        guardDecisions = Counter.builder().name("steer4j_guard_decisions").help("Guard verdicts by detector and action (none, flagged, blocked, steered, ablated)")
                .labelNames("detector", "action").register(registry);
        cancelled = Counter.builder().name("steer4j_cancelled_generations").help("Generations stopped early, by reason (disconnect, timeout)")
                .labelNames("reason").register(registry);
        requestSeconds = Histogram.builder().name("steer4j_request_duration_seconds").help("Completion request latency, queueing included")
                .labelNames("endpoint").classicOnly().classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300).register(registry);
        firstTokenSeconds = Histogram.builder().name("steer4j_time_to_first_token_seconds").help("Time from request to first generated token")
                .classicOnly().classicUpperBounds(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);
        queueSeconds = Histogram.builder().name("steer4j_queue_wait_seconds").help("Time a request waited for a batch slot")
                .classicOnly().classicUpperBounds(0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30).register(registry);
        batchRows = Histogram.builder().name("steer4j_batch_sequences").help("Sequences per forward pass (continuous batching)")
                .classicOnly().classicUpperBounds(1, 2, 4, 8, 16, 32, 64).register(registry);
        GaugeWithCallback.builder().name("steer4j_queue_depth").help("Requests waiting for a batch slot")
                .callback(cb -> cb.call(queueDepth.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("steer4j_active_requests").help("Requests being generated")
                .callback(cb -> cb.call(active.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("steer4j_tokens_per_second").help("Generated tokens per second over the last 10 seconds")
                .callback(cb -> cb.call(tokensPerSecond())).register(registry);
    }

    /** Records generated tokens for the tokens-per-second window. */
    void tokens(int n) {
        if (n <= 0) return;
        generatedTokens.inc(n);
        long now = System.nanoTime();
        synchronized (window) {
            window.addLast(new long[]{now, n});
            while (!window.isEmpty() && now - window.peekFirst()[0] > WINDOW_NANOS) window.removeFirst();
        }
    }

    double tokensPerSecond() {
        long now = System.nanoTime();
        long sum = 0;
        synchronized (window) {
            while (!window.isEmpty() && now - window.peekFirst()[0] > WINDOW_NANOS) window.removeFirst();
            for (long[] e : window) sum += e[1];
        }
        return sum / (WINDOW_NANOS / 1e9);
    }

    String scrape() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, registry.scrape());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
