package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.soak.Soak;
import dev.steer4j.soak.SoakConfig;
import dev.steer4j.soak.SoakReport;
import dev.steer4j.soak.SoakTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code steer4j soak}: drives a server with a hostile, concurrent mix for a bounded time and reports what broke. */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = {"Soak a server: start one on 127.0.0.1 with the model (or drive --url) for --duration with --concurrency",
                "workers mixing valid completions and streams, streams dropped mid-way, malformed and oversized bodies,",
                "vector uploads/deletes, broken uploads and guard-blocked prompts. Reports failed valid requests, p50/p99",
                "latency, 429s, heap at start and end and requests in flight after the end; exits 1 when a must-be-0",
                "figure is not 0.",
                "Example: steer4j soak --duration 3m --concurrency 16"})
public final class SoakCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)?");

    @Mixin ModelOption model;

    @Option(names = "--duration", defaultValue = "30s", paramLabel = "TIME", description = "How long to send requests: 90s, 3m, 1h (default: ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--concurrency", defaultValue = "8", paramLabel = "N", description = "Workers, one request each at a time (default: ${DEFAULT-VALUE})")
    int concurrency;

    @Option(names = "--max-tokens", defaultValue = "16", paramLabel = "N", description = "Largest max_tokens of the generating requests (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "SEED", description = "Seed of the request mix (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--url", paramLabel = "URL", description = "Drive a running server instead of starting one (guard requests only if it has a guard)")
    URI url;

    static Duration parseDuration(String s) {
        Matcher m = DURATION.matcher(s.trim());
        if (!m.matches()) throw new IllegalArgumentException("--duration: expected a time such as 90s, 3m or 1h, got '" + dev.steer4j.util.SafeText.of(s, 40) + "'");
        double v = Double.parseDouble(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        double ms = v * switch (unit) { case "ms" -> 1; case "m" -> 60_000; case "h" -> 3_600_000; default -> 1000; };
        return Duration.ofMillis((long) ms);
    }

    @Option(names = "--server-log", description = "Keep the started server's per-request INFO log on stderr (default: warnings only)")
    boolean serverLog;

    @Override
    public Integer call() throws Exception {
        // before the server's loggers exist: thousands of per-request lines would bury the report
        boolean quieted = !serverLog && System.getProperty(LOG_LEVEL) == null;
        if (quieted) System.setProperty(LOG_LEVEL, "warn");
        try {
            return soak();
        } finally {
            if (quieted) System.clearProperty(LOG_LEVEL); // loggers made later in this JVM (tests) log as configured
        }
    }

    private static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private int soak() throws Exception {
        SoakConfig config = new SoakConfig(parseDuration(duration), concurrency, maxTokens, seed);
        if (url != null && !"http".equals(url.getScheme()))
            throw new IllegalArgumentException("--url must be an http:// URL, got " + dev.steer4j.util.SafeText.of(url.toString(), 80));
        Model m = url == null ? model.load() : null;
        try (SoakTarget target = url == null ? SoakTarget.local(m, concurrency) : SoakTarget.remote(url)) {
            System.err.printf("soak: %s for %s with %d workers...%n", target.url(), config.duration(), concurrency);
            SoakReport r = Soak.run(target, config, System.err);
            System.out.print(r.text());
            return r.passed() ? 0 : 1;
        } finally {
            if (m != null) m.close();
        }
    }
}
