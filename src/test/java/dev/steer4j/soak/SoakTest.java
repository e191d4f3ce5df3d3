package dev.steer4j.soak;

import com.sun.net.httpserver.HttpServer;
import dev.steer4j.cli.CliRunner;
import dev.steer4j.model.Model;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.*;

/** A few seconds of soak against the tiny model (CI never runs long soaks; docs/reliability.md has a real one). */
class SoakTest {
    @Test
    void aShortSoakPassesWithEveryScenarioSent() throws Exception {
        SoakReport r;
        try (Model m = Model.load(Fixtures.stories260K()); SoakTarget t = SoakTarget.local(m, 3)) {
            r = Soak.run(t, new SoakConfig(Duration.ofSeconds(4), 3, 4, 7), null);
        }
        assertTrue(r.passed(), r.text());
        assertEquals(0, r.validFailed());
        assertEquals(0, r.unexpectedAnswers());
        assertEquals(0, r.serverErrors());
        assertEquals(0, r.inFlightAfter());
        assertTrue(r.requests() >= 20, r.text());
        for (Scenario s : Scenario.values()) assertTrue(r.counts().containsKey(s), s + " was never sent:\n" + r.text());
        assertTrue(r.guardSent() > 0 && r.guardBlocked() > 0, "the calibrated guard blocks sad prompts:\n" + r.text());
        double p50 = r.latencyMillis(0.5), p99 = r.latencyMillis(0.99);
        assertTrue(p50 > 0 && p50 <= p99, r.text());
        assertTrue(r.heapStart() > 0 && r.heapEnd() > 0, r.text());
        assertTrue(r.text().contains("valid requests failed           0   (must be 0)"), r.text());
        assertTrue(r.text().endsWith("PASS\n"), r.text());
    }

    @Test
    void theCommandExitsZeroOnAPass() {
        CliRunner.Result r = CliRunner.run("soak", "--duration", "2s", "--concurrency", "2", "--max-tokens", "4",
                "--server-log"); // slf4j-simple fixes the level of loggers it makes: keep this JVM's later tests' logs at INFO
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().startsWith("soak: "), r.out());
        assertTrue(r.out().contains("in flight after the end         0   (must be 0; the server's own count)"), r.out());
        assertTrue(r.out().endsWith("PASS\n"), r.out());
    }

    /** A server that answers 500 to every request: the figures that must be 0 are not, and the exit code says so. */
    @Test
    void theCommandExitsOneWhenAMustBeZeroFigureIsNot() throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String body = switch (path) {
                case "/v1/models" -> "{\"data\": [{\"id\": \"fake\", \"steer4j\": {\"n_embd\": 8, \"layers\": 3}}]}";
                case "/v1/guard" -> "{\"enabled\": false}";
                case "/health" -> "{\"active_requests\": 0, \"queue_depth\": 0}";
                default -> null;
            };
            ex.getRequestBody().readAllBytes();
            byte[] b = (body == null ? "{\"error\": {\"message\": \"broken\"}}" : body).getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(body == null ? 500 : 200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        try {
            CliRunner.Result r = CliRunner.run("soak", "--url", "http://127.0.0.1:" + s.getAddress().getPort() + "/", "--duration", "1s", "--concurrency", "2", "--server-log");
            assertEquals(1, r.exitCode(), r.out() + r.err());
            assertTrue(r.out().contains("against the server at http://127.0.0.1:"), r.out());
            assertFalse(r.out().contains("5xx answers                     0 "), r.out());
            assertTrue(r.out().contains("heap used                       n/a (the server runs elsewhere)"), r.out());
            assertTrue(r.out().endsWith("FAIL\n"), r.out());
        } finally {
            s.stop(0);
        }
    }

    @Test
    void durationsAreReadWithTheirUnit() {
        assertEquals(Duration.ofSeconds(90), dev.steer4j.cli.SoakCommandAccess.parse("90s"));
        assertEquals(Duration.ofMinutes(3), dev.steer4j.cli.SoakCommandAccess.parse("3m"));
        assertEquals(Duration.ofSeconds(5), dev.steer4j.cli.SoakCommandAccess.parse("5"));
        CliRunner.Result r = CliRunner.run("soak", "--duration", "soon");
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains("--duration: expected a time such as 90s, 3m or 1h, got 'soon'"), r.err());
    }
}
