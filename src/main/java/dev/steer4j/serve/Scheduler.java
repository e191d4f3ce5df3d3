package dev.steer4j.serve;

import dev.steer4j.guard.Detector;
import dev.steer4j.guard.Guard;
import dev.steer4j.runtime.Batch;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.Workspace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Continuous batching. One thread owns the model's forward pass. Each step it admits waiting requests up to
 * {@code maxBatch}, then runs ONE {@link ForwardPass#forward(Batch, Workspace)} over all active requests: a prompt
 * chunk for those still prefilling, one token for those decoding. Every batch entry is its own
 * {@link dev.steer4j.runtime.SequenceState}, so each row runs with its own hooks (steering, guard, probes) and
 * requests never see each other's interventions. After the step each request samples its next token from its own
 * logits row; finished, cancelled and timed-out requests leave the batch and waiting ones take their place.
 */
final class Scheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);

    private final ForwardPass forward;
    private final int maxBatch;
    private final BlockingQueue<GenerationJob> queue;
    private final ServerMetrics metrics;
    private final Thread thread;
    private final AtomicInteger active = new AtomicInteger();
    private volatile boolean draining;
    private volatile boolean running = true;

    Scheduler(ForwardPass forward, int maxBatch, int queueCapacity, ServerMetricsFactory metrics) {
        this.forward = forward;
        this.maxBatch = maxBatch;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueCapacity + maxBatch));
        this.metrics = metrics.create(this::queueDepth, active::get);
        this.thread = Thread.ofPlatform().name("steer4j-scheduler").daemon(true).unstarted(this::loop);
        this.queueCapacity = queueCapacity;
    }

    /** Creates the metrics once the gauges' suppliers exist. */
    interface ServerMetricsFactory {
        ServerMetrics create(java.util.function.IntSupplier queueDepth, java.util.function.IntSupplier active);
    }

    private final int queueCapacity;

    ServerMetrics metrics() { return metrics; }

    void start() { thread.start(); }

    int queueDepth() { return queue.size(); }

    int active() { return active.get(); }

    /**
     * Queues a job. Returns false when the server is full: {@code queueCapacity} requests already wait beyond the
     * free batch slots.
     */
    synchronized boolean submit(GenerationJob job) {
        if (!running || draining) return false;
        int free = Math.max(0, maxBatch - active.get());
        if (queue.size() >= queueCapacity + free) return false;
        return queue.offer(job);
    }

    boolean running() { return running; }

    private void loop() {
        Workspace ws = new Workspace(forward.model().config());
        Batch batch = new Batch();
        List<GenerationJob> jobs = new ArrayList<>();
        List<GenerationJob> stepJobs = new ArrayList<>();
        int vocab = forward.model().config().vocabSize();
        while (running) {
            try {
                // Admit waiting requests into free batch slots.
                while (jobs.size() < maxBatch) {
                    GenerationJob j = jobs.isEmpty() ? queue.poll(50, TimeUnit.MILLISECONDS) : queue.poll();
                    if (j == null) break;
                    j.admittedNanos = System.nanoTime();
                    metrics.queueSeconds.observe((j.admittedNanos - j.createdNanos) / 1e9);
                    jobs.add(j);
                    active.incrementAndGet();
                }
                if (jobs.isEmpty()) continue;

                batch.clear();
                stepJobs.clear();
                long now = System.nanoTime();
                for (GenerationJob j : jobs) {
                    if (j.cancelled) {
                        finishCancelled(j, j.cancelReason == null ? "disconnect" : j.cancelReason);
                        continue;
                    }
                    if (now > j.deadlineNanos) {
                        metrics.cancelled.labelValues("timeout").inc();
                        fail(j, new ApiException(504, "the request ran past its timeout (" + timeoutText(j) + ") after "
                                + j.generated + " generated tokens", "timeout_error", null, "request_timeout"));
                        continue;
                    }
                    if (j.prefilling()) {
                        int count = Math.min(ForwardPass.PREFILL_CHUNK, j.prompt.length - j.prefilled);
                        batch.add(j.seq, j.prompt, j.prefilled, count, false);
                    } else {
                        j.one[0] = j.lastToken;
                        batch.add(j.seq, j.one, 0, 1, false);
                    }
                    stepJobs.add(j);
                }
                jobs.removeIf(j -> j.finished);
                if (stepJobs.isEmpty()) continue;

                try {
                    forward.forward(batch, ws);
                } catch (RuntimeException | StackOverflowError e) {
                    LOG.error("forward pass failed for {} request(s)", stepJobs.size(), e);
                    for (GenerationJob j : stepJobs)
                        fail(j, new ApiException(500, "the forward pass failed: " + e, "server_error", null, "internal_error"));
                    jobs.removeIf(j -> j.finished);
                    continue;
                }
                metrics.batchRows.observe(stepJobs.size());

                int produced = 0;
                float[] logits = ws.logits();
                for (int i = 0; i < stepJobs.size(); i++) {
                    GenerationJob j = stepJobs.get(i);
                    Batch.Entry e = batch.entries().get(i);
                    if (j.prefilling()) {
                        j.prefilled += e.count();
                        if (j.prefilling()) continue;
                        if (!afterPrefill(j)) continue;
                    }
                    if (!finite(logits, e.firstLogitRow() * vocab, vocab)) {
                        fail(j, nonFinite(j));
                        continue;
                    }
                    if (j.constraint != null)
                        j.sampler.remaining(Math.min(j.config.maxTokens() - j.generated, j.seq.maxTokens() - j.seq.position()));
                    int token = j.sampler.sample(logits, e.firstLogitRow() * vocab, null, 0);
                    produced += accept(j, token) ? 1 : 0;
                }
                metrics.tokens(produced);
                jobs.removeIf(j -> j.finished);
            } catch (InterruptedException e) {
                if (!running) break;
            } catch (Throwable t) {
                LOG.error("scheduler step failed", t);
                for (GenerationJob j : jobs) if (!j.finished) fail(j, new ApiException(500, "internal error: " + t, "server_error", null, "internal_error"));
                jobs.clear();
            }
        }
        for (GenerationJob j : jobs) if (!j.finished) fail(j, shuttingDown());
        GenerationJob j;
        while ((j = queue.poll()) != null) fail(j, shuttingDown());
    }

    private static boolean finite(float[] a, int from, int n) {
        for (int i = from; i < from + n; i++) if (!Float.isFinite(a[i])) return false;
        return true;
    }

    /** Steering that overflows the activations gives NaN/Inf logits: refused rather than sampled into empty text. */
    private static ApiException nonFinite(GenerationJob j) {
        return ApiException.invalid("steering", "non_finite_output", "the model's output became NaN or infinite after " + j.generated
                + " generated tokens: the request's steering is too strong for this model (lower its coefficient)");
    }

    private static String timeoutText(GenerationJob j) {
        return String.format("%.1fs", (j.deadlineNanos - j.createdNanos) / 1e9);
    }

    static ApiException shuttingDown() {
        return new ApiException(503, "the server is shutting down", "server_error", null, "shutting_down", 5);
    }

    /** Guard verdicts after the whole prompt ran; false when the job ended here (blocked, or max_tokens 0). */
    private boolean afterPrefill(GenerationJob j) {
        j.prefillDoneNanos = System.nanoTime();
        metrics.promptTokens.inc(j.prompt.length);
        if (j.guard != null) {
            for (Guard.Decision d : j.guard.decisions()) {
                metrics.guardDecisions.labelValues(d.detector(), d.action()).inc();
                if (d.triggered())
                    LOG.info("request {}: guard detector '{}' score {} > threshold {} -> {}", j.id, d.detector(),
                            String.format("%.4f", d.score()), String.format("%.4f", d.threshold()), d.action());
                else
                    LOG.debug("request {}: guard detector '{}' score {} <= threshold {}", j.id, d.detector(), d.score(), d.threshold());
            }
        }
        j.events.add(new GenerationJob.Prefilled(j.steer4jField(false)));
        if (j.guard != null) {
            Detector blocking = j.guard.blocking();
            if (blocking != null) {
                j.events.add(new GenerationJob.Delta(blocking.refusal()));
                finish(j, "content_filter", blocking.refusal());
                return false;
            }
        }
        if (j.config.maxTokens() == 0) {
            finish(j, "length", "");
            return false;
        }
        return true;
    }

    /** Takes one sampled token; returns true when it counts as generated. */
    private boolean accept(GenerationJob j, int token) {
        if (j.config.stopAtEos() && j.tokenizer.isEndOfGeneration(token)) {
            flushAndFinish(j, "stop");
            return false;
        }
        if (j.generated == 0) {
            j.firstTokenNanos = System.nanoTime();
            metrics.firstTokenSeconds.observe((j.firstTokenNanos - j.createdNanos) / 1e9);
        }
        j.generated++;
        if (j.config.logprobs() >= 0) j.logprobs.add(j.sampler.lastLogprob());
        String emit = j.stops.accept(j.decoder.accept(token));
        if (!emit.isEmpty()) j.events.add(new GenerationJob.Delta(emit, j.takeLogprobs()));
        if (j.stops.stopped()) {
            finish(j, "stop", j.stops.text());
            return true;
        }
        if (j.constraint != null && j.constraint.complete()) {
            flushAndFinish(j, "stop");
            return true;
        }
        if (j.generated >= j.config.maxTokens() || j.seq.position() + 1 > j.seq.maxTokens()) {
            flushAndFinish(j, "length");
            return true;
        }
        j.lastToken = token;
        return true;
    }

    private void flushAndFinish(GenerationJob j, String reason) {
        String tail = j.stops.flush(j.decoder.flush());
        if (!tail.isEmpty()) j.events.add(new GenerationJob.Delta(tail, j.takeLogprobs()));
        finish(j, reason, j.stops.text());
    }

    private void finish(GenerationJob j, String reason, String text) {
        j.finished = true;
        active.decrementAndGet();
        long end = System.nanoTime();
        var m = j.steer4jField(true);
        var timing = new java.util.LinkedHashMap<String, Object>();
        timing.put("queue_ms", ms(j.admittedNanos - j.createdNanos));
        timing.put("prefill_ms", ms(j.prefillDoneNanos - j.admittedNanos));
        timing.put("decode_ms", ms(end - j.prefillDoneNanos));
        double decodeSeconds = (end - j.prefillDoneNanos) / 1e9;
        timing.put("tokens_per_second", j.generated == 0 || decodeSeconds <= 0 ? 0 : Math.round(j.generated / decodeSeconds * 10) / 10.0);
        m.put("timing", timing);
        j.events.add(new GenerationJob.Done(reason, text, j.prompt.length, j.generated, m, List.copyOf(j.logprobs)));
    }

    private static double ms(long nanos) {
        return Math.round(nanos / 1e4) / 100.0;
    }

    private void fail(GenerationJob j, ApiException e) {
        if (j.finished) return;
        j.finished = true;
        if (j.admittedNanos != 0) active.decrementAndGet();
        j.events.add(new GenerationJob.Failed(e));
    }

    private void finishCancelled(GenerationJob j, String reason) {
        metrics.cancelled.labelValues(reason).inc();
        LOG.info("request {}: cancelled ({}) after {} generated tokens", j.id, reason, j.generated);
        fail(j, new ApiException(499, "the request was cancelled (" + reason + ")", "cancelled", null, "cancelled"));
    }

    /** True once {@link #drain} was called: new jobs are refused (503), queued and active ones run to the end. */
    boolean draining() { return draining; }

    /**
     * Refuses new jobs and waits up to {@code timeout} for the queued and active ones to finish.
     *
     * @return true when none is left
     */
    boolean drain(java.time.Duration timeout) {
        synchronized (this) {
            draining = true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while ((!queue.isEmpty() || active.get() > 0) && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return queue.isEmpty() && active.get() == 0;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
