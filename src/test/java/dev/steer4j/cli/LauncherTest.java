package dev.steer4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The ./steer4j launcher, run from the compiled classes (STEER4J_CLASSPATH): it execs java, so the process it
 * starts IS the JVM and SIGTERM reaches it; on SIGTERM the server finishes the in-flight stream and exits 0; and
 * stderr is passed through unchanged (no grep: nothing is hidden as "binary file matches").
 */
class LauncherTest {
    @TempDir Path tmp;

    private ProcessBuilder launcher(String... args) {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("bash", "steer4j"));
        cmd.addAll(java.util.List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("STEER4J_CLASSPATH", System.getProperty("java.class.path"));
        return pb;
    }

    @Test
    void sigtermDrainsTheInFlightStreamAndExitsZero() throws Exception {
        Path errFile = tmp.resolve("stderr.txt");
        Process p = launcher("serve", "--port", "0", "--vectors", tmp.resolve("v").toString()).redirectError(errFile.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertNotNull(line, "the server printed its address");
            String url = line.substring(line.indexOf("http://"), line.indexOf('/', line.indexOf("http://") + 7) + 1);
            assertTrue(p.info().command().orElse("").endsWith("java"), "the launcher exec'd java: " + p.info().command());
            HttpClient http = HttpClient.newHttpClient();
            HttpRequest req = HttpRequest.newBuilder(URI.create(url + "v1/completions")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\": \"Once upon a time\", \"max_tokens\": 1500, \"temperature\": 1, \"seed\": 3, \"stream\": true}")).build();
            HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            java.io.InputStream body = r.body();
            byte[] first = new byte[64];
            int n = body.read(first);
            assertTrue(n > 0, "the stream started");
            p.destroy(); // SIGTERM while the stream is in flight
            String rest = new String(first, 0, n, StandardCharsets.UTF_8) + new String(body.readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(rest.trim().endsWith("data: [DONE]"), "the stream was finished, not cut: " + rest.substring(Math.max(0, rest.length() - 200)));
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the server stopped");
            assertEquals(0, p.exitValue());
            String err = "";
            for (int i = 0; i < 50 && !err.contains("steer4j: stopped"); i++) { // the stderr filter may flush a moment later
                Thread.sleep(100);
                err = Files.readString(errFile);
            }
            assertTrue(err.contains("steer4j: stopping: draining in-flight requests"), err);
            assertFalse(err.contains("WARNING: Using incubator modules"), err);
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void stderrPassesThroughByteForByte() throws Exception {
        Path bad = tmp.resolve("bad.gguf");
        Files.write(bad, new byte[]{'G', 'G', 'U', 'F', 3, 0, 0, 0});
        Process p = launcher("inspect", bad.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        byte[] err = p.getErrorStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(1, p.exitValue());
        assertEquals("steer4j: " + bad + ": truncated while reading tensor_count: need 8 bytes, 0 remain (at byte offset 8)\n",
                new String(err, StandardCharsets.UTF_8));
    }
}
