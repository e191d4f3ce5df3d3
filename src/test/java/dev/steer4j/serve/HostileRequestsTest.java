package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.testutil.GGUFPatch;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The server findings of issue 14's audit: each request that was a 500, an HTML page, an ERROR log or a heap copy of
 * the body is now a 4xx error object, counted under its real status, and the server keeps serving.
 */
class HostileRequestsTest {
    @TempDir
    static Path vectors;
    static Model model;
    static Steer4jServer server;
    static final long UPLOAD_LIMIT = 48L << 20;

    @BeforeAll
    static void start() {
        model = model();
        server = Steer4jServer.start(model, options(vectors).withMaxBodyBytes(8192).withMaxUploadBytes(UPLOAD_LIMIT));
        float[] unit = new float[model.config().dim()];
        unit[0] = 1;
        server.vectors().put("unit", SteeringVector.single(1, unit, null), true);
        float[] huge = new float[model.config().dim()];
        huge[0] = Float.MAX_VALUE / 2; // finite in the file; any coefficient above 2 overflows the activations
        server.vectors().put("huge", SteeringVector.single(1, huge, null), true);
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    static JsonNode error(Response r, int status, String param, String code, String messagePart) {
        return ErrorPathsTest.error(r, status, param, code, messagePart);
    }

    static Response completion(String json) {
        return post(server, "/v1/completions", json);
    }

    @Test
    void aTopPThatIsZeroAsAFloatIs400() {
        error(completion("{\"prompt\": \"x\", \"max_tokens\": 1, \"top_p\": 1e-300}"), 400, "top_p", "invalid_value",
                "'top_p' must be in (0, 1] and at least 1.4E-45, got 1.0E-300");
        assertEquals(200, completion("{\"prompt\": \"x\", \"max_tokens\": 1, \"top_p\": 1e-30}").status(), "a float above 0 is taken");
    }

    @Test
    void aHugeCoefficientIs400AndNonFiniteOutputIsRefused() {
        error(completion("{\"prompt\": \"x\", \"max_tokens\": 2, \"steering\": [{\"vector\": \"unit\", \"coefficient\": 1e308}]}"), 400,
                "steering[0].coefficient", "invalid_value", "'steering[0].coefficient' must be in [-1000000, 1000000], got 1.0E308 (larger values overflow the activations)");
        error(completion("{\"prompt\": \"x\", \"max_tokens\": 2, \"clamp\": [{\"vector\": \"unit\", \"value\": -1e7}]}"), 400,
                "clamp[0].value", "invalid_value", "'clamp[0].value' must be in [-1000000, 1000000]");
        // within the bound, but the vector's own scale overflows: NaN logits are refused, not sampled into empty text
        error(completion("{\"prompt\": \"x\", \"max_tokens\": 4, \"steering\": [{\"vector\": \"huge\", \"coefficient\": 8}]}"), 400,
                "steering", "non_finite_output", "the model's output became NaN or infinite after 0 generated tokens");
        Response stream = completion("{\"prompt\": \"x\", \"max_tokens\": 4, \"stream\": true, \"steering\": [{\"vector\": \"huge\", \"coefficient\": 8}]}");
        assertTrue(stream.body().contains("non_finite_output"), stream.body());
        assertEquals(200, completion("{\"prompt\": \"x\", \"max_tokens\": 2, \"steering\": [{\"vector\": \"unit\", \"coefficient\": 1e6}]}").status());
    }

    @Test
    void anUploadWhoseDimsOverflowNamesTheTensor() throws IOException {
        Path p = vectors.resolveSibling("dims.gguf");
        new GGUFWriter().putString("general.architecture", "controlvector")
                .addF32("direction.1", new long[]{4, 1}, new float[]{1, 0, 0, 0}).write(p);
        GGUFPatch patch = new GGUFPatch(Files.readAllBytes(p));
        int dims = patch.after("direction.1") + 4;
        patch.putLong(dims, 1L << 40).putLong(dims + 8, 1L << 40); // 2^80 elements: a long overflow before the reader checked
        Response r = VectorLibraryTest.upload(server, "name=dims", patch.bytes());
        JsonNode e = error(r, 400, "file", "invalid_vector_file", "the uploaded vector is not a usable control vector: ");
        String m = e.get("message").asText();
        assertTrue(m.contains("tensor 'direction.1' has absurd element count"), m);
        assertFalse(m.contains("overflow") || m.contains(vectors.toString()), m);
    }

    @Test
    void aNulInThePathIsAJsonErrorObject() throws IOException {
        String raw = rawExchange("GET /v1/models%00 HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nConnection: close\r\n\r\n", null);
        assertTrue(raw.startsWith("HTTP/1.1 400 "), raw);
        String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase();
        assertTrue(head.contains("content-type: application/json"), raw);
        JsonNode err = readJson(raw.substring(raw.indexOf("\r\n\r\n") + 4)).get("error");
        assertNotNull(err, raw);
        assertEquals("http_error", err.get("code").asText(), raw);
        assertEquals("invalid_request_error", err.get("type").asText(), raw);
        assertTrue(err.get("message").asText().startsWith("the request was refused by the HTTP layer: 400 Bad Request"), raw);
        assertEquals(200, get(server, "/health").status(), "still serving");
    }

    @Test
    void aClientThatAbortsMidBodyIsNotAnError() throws Exception {
        double before = counted("/v1/completions", "400");
        PrintStream saved = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 5000\r\n\r\n{\"prompt\": \"once upon").getBytes(StandardCharsets.UTF_8));
                out.flush();
                Thread.sleep(200);
            }
            waitFor(() -> counted("/v1/completions", "400") > before, "the aborted request to be counted as a 400");
            Thread.sleep(100);
        } finally {
            System.setErr(saved);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertFalse(log.contains("ERROR") || log.contains("\tat "), "no ERROR and no stack trace for a client that went away:\n" + log);
        assertEquals(0.0, counted("/v1/completions", "500"));
        assertEquals(200, get(server, "/health").status());
    }

    @Test
    void metricsCountTheStatusAnsweredNot200(@TempDir Path dir) {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            s.addRequestHook(seq -> { throw new IllegalStateException("a hook that fails"); });
            Response r = post(s, "/v1/completions", Map.of("prompt", "x", "max_tokens", 1));
            assertEquals(500, r.status(), r.body());
            assertEquals("internal_error", r.json().get("error").get("code").asText());
            String m = get(s, "/metrics").body();
            assertTrue(m.contains("steer4j_requests_total{endpoint=\"/v1/completions\",status=\"500\"} 1.0"), m);
            assertFalse(m.contains("status=\"200\""), m);
        }
    }

    @Test
    void theListenBacklogHolds512Connections() {
        assertEquals(512, Steer4jServer.ACCEPT_QUEUE_SIZE);
        assertEquals(Steer4jServer.ACCEPT_QUEUE_SIZE, server.acceptQueueSize());
    }

    /**
     * A 40 MiB upload (over the 8 KiB body limit, under the upload limit) costs the JVM far less than 40 MiB of heap:
     * the route streams it to a file. The old route held the body in a byte[] (twice, while growing), the cause of
     * the OutOfMemoryError under concurrent 60 MiB uploads.
     */
    @Test
    void anUploadIsStreamedToDiskNotHeldInMemory() throws Exception {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long size = 40L << 20;
        String head = "POST /v1/vectors?name=big HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: application/octet-stream\r\n"
                + "Content-Length: " + size + "\r\nConnection: close\r\n\r\n";
        long before = threads.getTotalThreadAllocatedBytes();
        String raw = rawExchange(head, size);
        long allocated = threads.getTotalThreadAllocatedBytes() - before;
        assertTrue(raw.startsWith("HTTP/1.1 400 "), raw);
        assertTrue(raw.contains("\"invalid_vector_file\"") && raw.contains("bad magic"), raw);
        assertTrue(allocated < size / 4, "the JVM allocated " + (allocated >> 20) + " MiB of heap for a " + (size >> 20) + " MiB upload");
        try (var files = Files.list(vectors)) {
            assertEquals(List.of("huge.gguf", "unit.gguf"), files.map(f -> f.getFileName().toString()).sorted().toList(), "no temporary file left");
        }
    }

    @Test
    void anUploadOverTheLimitIs413AndLeavesNoFile() throws Exception {
        String head = "POST /v1/vectors?name=over HTTP/1.1\r\nHost: 127.0.0.1:" + server.port() + "\r\nContent-Type: application/octet-stream\r\n"
                + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n";
        String raw = rawChunked(head, UPLOAD_LIMIT + (1 << 20));
        assertTrue(raw.startsWith("HTTP/1.1 413 "), raw);
        assertTrue(raw.contains("over the limit of " + UPLOAD_LIMIT + " bytes (max_upload_bytes)"), raw);
        try (var files = Files.list(vectors)) {
            assertEquals(List.of("huge.gguf", "unit.gguf"), files.map(f -> f.getFileName().toString()).sorted().toList());
        }
    }

    private static double counted(String endpoint, String status) {
        String m = get(server, "/metrics").body();
        String key = "steer4j_requests_total{endpoint=\"" + endpoint + "\",status=\"" + status + "\"} ";
        int i = m.indexOf(key);
        return i < 0 ? 0 : Double.parseDouble(m.substring(i + key.length(), m.indexOf('\n', i)));
    }

    private static void waitFor(BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) fail("timed out waiting for " + what);
            Thread.sleep(20);
        }
    }

    /** Sends {@code head}, then {@code zeros} zero bytes from one reused buffer (allocating nothing per byte), and reads the answer. */
    private static String rawExchange(String head, Long zeros) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            if (zeros != null) {
                byte[] buf = new byte[64 * 1024];
                for (long left = zeros; left > 0; left -= buf.length) out.write(buf, 0, (int) Math.min(buf.length, left));
            }
            out.flush();
            return readAll(s.getInputStream());
        }
    }

    /** As {@link #rawExchange} with a chunked body of {@code total} zero bytes (no Content-Length to refuse up front). */
    private static String rawChunked(String head, long total) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(head.getBytes(StandardCharsets.UTF_8));
            byte[] buf = new byte[64 * 1024];
            byte[] chunkHead = (Integer.toHexString(buf.length) + "\r\n").getBytes(StandardCharsets.US_ASCII);
            try {
                for (long sent = 0; sent < total; sent += buf.length) {
                    out.write(chunkHead);
                    out.write(buf);
                    out.write('\r');
                    out.write('\n');
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
            } catch (IOException closedEarly) {
                // the server answered 413 and closed while we were still sending
            }
            return readAll(s.getInputStream());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try {
            in.transferTo(b);
        } catch (IOException reset) {
            // a reset after the answer: what arrived is the answer
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    private static JsonNode readJson(String s) throws IOException {
        return JSON.readTree(s);
    }
}
