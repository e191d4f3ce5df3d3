package dev.steer4j.soak;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * What a soak measured. {@link #passed()} holds when the must-be-zero figures are zero: valid requests that failed,
 * bad requests answered with anything but their 4xx, 5xx answers, and requests still in flight after the end.
 */
public record SoakReport(String target, SoakConfig config, double seconds, Map<Scenario, int[]> counts, long[] validLatencyNanos,
                         int busy, long heapStart, long heapEnd, int inFlightAfter, int guardBlocked, int guardSent, List<String> examples) {
    /** Indexes into a scenario's counts. */
    static final int SENT = 0, OK = 1, BUSY = 2, FAILED = 3, SERVER_ERROR = 4;

    public int validFailed() {
        int n = 0;
        for (var e : counts.entrySet()) if (e.getKey().valid) n += e.getValue()[FAILED];
        return n;
    }

    public int unexpectedAnswers() {
        int n = 0;
        for (var e : counts.entrySet()) if (!e.getKey().valid) n += e.getValue()[FAILED];
        return n;
    }

    public int serverErrors() {
        int n = 0;
        for (int[] c : counts.values()) n += c[SERVER_ERROR];
        return n;
    }

    public int requests() {
        int n = 0;
        for (int[] c : counts.values()) n += c[SENT];
        return n;
    }

    /** The q-quantile (0..1) of the valid requests' latency in milliseconds; NaN when there were none. */
    public double latencyMillis(double q) {
        if (validLatencyNanos.length == 0) return Double.NaN;
        long[] s = validLatencyNanos.clone();
        Arrays.sort(s);
        int i = (int) Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
        return s[i] / 1e6;
    }

    public boolean passed() {
        return validFailed() == 0 && unexpectedAnswers() == 0 && serverErrors() == 0 && inFlightAfter == 0;
    }

    public String text() {
        StringBuilder b = new StringBuilder();
        b.append(String.format("soak: %.0f s against %s%n", seconds, target));
        b.append(String.format("      concurrency %d, max_tokens up to %d, seed %d: %,d requests (%.1f/s)%n",
                config.concurrency(), config.maxTokens(), config.seed(), requests(), requests() / seconds));
        b.append(String.format("%-48s %8s %8s %6s %8s %5s%n", "scenario", "sent", "as-meant", "429", "wrong", "5xx"));
        for (Scenario s : Scenario.values()) {
            int[] c = counts.getOrDefault(s, new int[5]);
            b.append(String.format("%-48s %8d %8d %6d %8d %5d%n", s.description, c[SENT], c[OK], c[BUSY], c[FAILED], c[SERVER_ERROR]));
        }
        if (guardSent > 0) b.append(String.format("guard: %d of %d sad prompts blocked (the others answered normally)%n", guardBlocked, guardSent));
        b.append(String.format("valid requests failed           %d   (must be 0)%n", validFailed()));
        b.append(String.format("bad requests not given their 4xx %d   (must be 0)%n", unexpectedAnswers()));
        b.append(String.format("5xx answers                     %d   (must be 0)%n", serverErrors()));
        b.append(String.format("latency of valid requests       p50 %.1f ms, p99 %.1f ms (%d requests)%n", latencyMillis(0.5), latencyMillis(0.99), validLatencyNanos.length));
        b.append(String.format("429 (queue full)                %d%n", busy));
        b.append(heapStart < 0 ? "heap used                       n/a (the server runs elsewhere)\n"
                : String.format("heap used (after GC)            %.1f MiB at the start, %.1f MiB at the end%n", heapStart / 1048576.0, heapEnd / 1048576.0));
        b.append(String.format("in flight after the end         %d   (must be 0; the server's own count)%n", inFlightAfter));
        for (String e : examples) b.append("  e.g. ").append(e).append('\n');
        b.append(passed() ? "PASS\n" : "FAIL\n");
        return b.toString();
    }

    /** Adds up outcomes. */
    static final class Tally {
        final Map<Scenario, int[]> counts = new EnumMap<>(Scenario.class);
        final List<Long> latency = new ArrayList<>();
        final List<String> examples = new ArrayList<>();
        int busy, guardBlocked, guardSent;

        synchronized void add(Outcome o) {
            int[] c = counts.computeIfAbsent(o.scenario(), k -> new int[5]);
            c[SENT]++;
            switch (o.kind()) {
                case OK -> c[OK]++;
                case BUSY -> { c[BUSY]++; busy++; }
                case FAILED -> c[FAILED]++;
                case SERVER_ERROR -> c[SERVER_ERROR]++;
            }
            if (o.scenario().valid && o.kind() == Outcome.Kind.OK) latency.add(o.nanos());
            if (o.scenario() == Scenario.GUARD && o.kind() == Outcome.Kind.OK) {
                guardSent++;
                if (o.blocked()) guardBlocked++;
            }
            if (o.detail() != null && examples.size() < 5) examples.add(o.scenario().name() + ": " + o.detail());
        }

        synchronized long[] latencies() {
            return latency.stream().mapToLong(Long::longValue).toArray();
        }
    }
}
