package dev.steer4j.serve;

import dev.steer4j.runtime.StopStrings;
import dev.steer4j.guard.Guard;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.Sampler;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.runtime.TokenLogprob;
import dev.steer4j.steer.Steering;
import dev.steer4j.tokenizer.StreamDecoder;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One request inside the {@link Scheduler}: its own {@link SequenceState} (KV cache and hooks: steering, guard,
 * projection), sampler, decoder and stop strings. The scheduler thread drives it; the HTTP thread reads its
 * {@link #events}.
 */
final class GenerationJob {
    /** What the HTTP side receives, in order: Prefilled, Delta*, then Done or Failed. */
    sealed interface Event permits Prefilled, Delta, Done, Failed {}

    /** The prompt has run (guard verdicts are known). */
    record Prefilled(Map<String, Object> steer4j) implements Event {}

    /** Text, with the log-probabilities of the tokens it completes when the request asked for them (else empty). */
    record Delta(String text, List<TokenLogprob> logprobs) implements Event {
        Delta(String text) { this(text, List.of()); }
    }

    /** {@code logprobs}: every generated token's, when the request asked for them (else empty). */
    record Done(String finishReason, String text, int promptTokens, int completionTokens, Map<String, Object> steer4j,
                List<TokenLogprob> logprobs) implements Event {
        Done(String finishReason, String text, int promptTokens, int completionTokens, Map<String, Object> steer4j) {
            this(finishReason, text, promptTokens, completionTokens, steer4j, List.of());
        }
    }

    record Failed(ApiException error) implements Event {}

    final String id;
    final String endpoint;
    final int[] prompt;
    final SequenceState seq;
    final Sampler sampler;
    final GenerationConfig config;
    final Tokenizer tokenizer;
    final StreamDecoder decoder;
    final StopStrings stops;
    final long createdNanos = System.nanoTime();
    final long deadlineNanos;
    final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

    /** Steering from the request's fields (may be null). */
    Steering.Applied steering;
    /** The guard on this request (may be null). */
    Guard.Session guard;
    /** The response_format constraint on sampling (may be null); the job stops when it is complete. */
    dev.steer4j.runtime.TokenConstraint constraint;
    /** Per-token projection probe (may be null). */
    ProjectionProbe probe;
    /** What the request asked for, echoed in the {@code steer4j} field. */
    final Map<String, Object> echo = new LinkedHashMap<>();

    /** The generated tokens' log-probabilities (when asked for) and how many a streamed delta has carried. */
    final List<TokenLogprob> logprobs = new ArrayList<>();
    int logprobsSent;

    volatile boolean cancelled;
    volatile String cancelReason;
    int prefilled;
    int generated;
    int lastToken;
    final int[] one = new int[1];
    long admittedNanos;
    long prefillDoneNanos;
    long firstTokenNanos;
    boolean finished;

    GenerationJob(String id, String endpoint, int[] prompt, SequenceState seq, GenerationConfig config, Tokenizer tokenizer, long timeoutNanos) {
        this.id = id;
        this.endpoint = endpoint;
        this.prompt = prompt;
        this.seq = seq;
        this.config = config;
        this.tokenizer = tokenizer;
        this.sampler = new Sampler(config, seq.model().config().vocabSize());
        this.decoder = tokenizer.streamDecoder();
        this.stops = new StopStrings(config.stop());
        this.deadlineNanos = createdNanos + timeoutNanos;
    }

    /** Called from the HTTP side when the client went away. */
    void cancel(String reason) {
        cancelReason = reason;
        cancelled = true;
    }

    /** The log-probabilities not yet sent with a delta. */
    List<TokenLogprob> takeLogprobs() {
        if (logprobsSent == logprobs.size()) return List.of();
        List<TokenLogprob> out = List.copyOf(logprobs.subList(logprobsSent, logprobs.size()));
        logprobsSent = logprobs.size();
        return out;
    }

    boolean prefilling() {
        return prefilled < prompt.length;
    }

    /** The {@code steer4j} response field: what was applied, guard verdicts, CAST decision, projection, timing. */
    Map<String, Object> steer4jField(boolean withProjection) {
        Map<String, Object> m = new LinkedHashMap<>(echo);
        if (steering != null && steering.conditionResult() != null) {
            var r = steering.conditionResult();
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("decided", r.decided());
            c.put("active", r.active());
            c.put("rule", r.rule().toString());
            List<Map<String, Object>> scores = new ArrayList<>();
            for (var s : r.scores()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("layer", s.layer());
                x.put("score", finite(s.score()));
                x.put("threshold", s.threshold());
                x.put("comparison", s.comparison().name().toLowerCase(java.util.Locale.ROOT));
                x.put("met", s.met());
                scores.add(x);
            }
            c.put("scores", scores);
            m.put("condition", c);
        }
        if (guard != null) m.put("guard", guardField());
        if (withProjection && probe != null) m.put("projection", probe.report(seq, tokenizer));
        return m;
    }

    List<Map<String, Object>> guardField() {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Guard.Decision d : guard.decisions()) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("detector", d.detector());
            x.put("layer", d.layer());
            x.put("score", finite(d.score()));
            x.put("threshold", d.threshold());
            x.put("policy", d.policy().apiName());
            x.put("triggered", d.triggered());
            x.put("action", d.action());
            out.add(x);
        }
        return out;
    }

    static Object finite(double d) {
        return Double.isFinite(d) ? (Object) d : null;
    }
}
