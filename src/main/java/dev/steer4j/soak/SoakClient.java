package dev.steer4j.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;

/** Sends one request of each {@link Scenario} to a steer4j server and judges the answer. */
final class SoakClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> PLAIN = List.of("Once upon a time", "The little dog ran", "Tom and Mia went to the park",
            "One day a girl found a box", "The sun was warm and");
    /** Sad openings: the guard the local soak calibrates blocks them (the same kind of text as the guard tests). */
    static final List<String> SAD = List.of("Lily was very sad. Her dog was lost and she cried all day.",
            "Tom cried because his toy was broken and nobody could fix it.", "The little bird was sad and alone. It missed its mom.",
            "Sue felt sad when her friend moved away. She cried in her room.", "Max was sad. It rained and he could not go out. He cried.",
            "The old cat was sad and tired. Nobody played with it anymore.");
    static final List<String> HAPPY = List.of("Lily was very happy. She played with her dog in the sun all day.",
            "Tom laughed because his new toy was so much fun.", "The little bird was happy. It sang a song with its mom.",
            "Sue felt happy when her friend came to play. They smiled and laughed.", "Max was happy. The sun came out and he played outside.",
            "The cat was happy and purred. Everyone played with it.");
    private static final List<String> MALFORMED = List.of("{\"prompt\": \"x\"", "[1, 2]", "{\"prompt\": 7}", "{\"prompt\": \"x\", \"max_tokens\": -1}",
            "{\"prompt\": \"x\", \"top_p\": 1e-300}", "{\"prompt\": \"x\", \"temperature\": \"hot\"}", "",
            "{\"prompt\": \"x\", \"steering\": [{\"vector\": \"x\", \"coefficient\": 1e308}]}", "{\"messages\": 3}",
            "{\"prompt\": \"x\", \"logit_bias\": {\"abc\": 1}}", "{\"prompt\": [1, 99999999]}", "\u0000{\"prompt\": \"x\"}");

    private final URI base;
    private final HttpClient http;
    private final int maxTokens;
    private final byte[] vector;
    private final int vectorLayer;
    private final int oversized;

    /**
     * @param vector     a control-vector GGUF that fits the served model (uploaded, used and deleted)
     * @param oversized  a body size over the server's max_body_bytes
     */
    SoakClient(URI base, HttpClient http, int maxTokens, byte[] vector, int vectorLayer, int oversized) {
        this.base = base;
        this.http = http;
        this.maxTokens = maxTokens;
        this.vector = vector;
        this.vectorLayer = vectorLayer;
        this.oversized = oversized;
    }

    Outcome run(Scenario s, SplittableRandom r, String id) {
        long t0 = System.nanoTime();
        try {
            return switch (s) {
                case COMPLETION -> completion(r, t0);
                case STREAM -> stream(r, t0);
                case DISCONNECT -> disconnect(r, t0);
                case MALFORMED -> expect(s, post("/v1/completions", "application/json", MALFORMED.get(r.nextInt(MALFORMED.size())).getBytes(StandardCharsets.UTF_8)), 400, t0);
                case OVERSIZED -> expect(s, post("/v1/completions", "application/json", oversizedBody()), 413, t0);
                case VECTOR -> vector(r, id, t0);
                case BAD_VECTOR -> expect(s, post("/v1/vectors?name=broken-" + id, "application/octet-stream", broken(r)), 400, t0);
                case GUARD -> guard(r, t0);
            };
        } catch (IOException e) {
            return Outcome.failed(s, System.nanoTime() - t0, "I/O error: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.failed(s, System.nanoTime() - t0, "interrupted");
        }
    }

    private ObjectNode body(SplittableRandom r, String prompt, boolean chat) {
        ObjectNode b = JSON.createObjectNode();
        if (chat) b.putArray("messages").addObject().put("role", "user").put("content", prompt);
        else b.put("prompt", prompt);
        return b.put("max_tokens", 1 + r.nextInt(maxTokens)).put("temperature", 0.8).put("seed", r.nextInt(1 << 30));
    }

    private Outcome completion(SplittableRandom r, long t0) throws IOException, InterruptedException {
        boolean chat = r.nextBoolean();
        HttpResponse<String> res = post(chat ? "/v1/chat/completions" : "/v1/completions", body(r, pick(r, PLAIN, HAPPY), chat));
        Outcome o = expect(Scenario.COMPLETION, res, 200, t0);
        if (o.kind() != Outcome.Kind.OK) return o;
        JsonNode c = JSON.readTree(res.body()).path("choices").path(0);
        if (!(chat ? c.path("message").path("content").isTextual() : c.path("text").isTextual()))
            return Outcome.failed(Scenario.COMPLETION, System.nanoTime() - t0, "200 without text: " + res.body());
        return o;
    }

    private Outcome stream(SplittableRandom r, long t0) throws IOException, InterruptedException {
        HttpResponse<String> res = post("/v1/completions", body(r, pick(r, PLAIN, HAPPY), false).put("stream", true));
        Outcome o = expect(Scenario.STREAM, res, 200, t0);
        if (o.kind() != Outcome.Kind.OK) return o;
        String b = res.body().strip();
        if (!b.endsWith("data: [DONE]") || b.contains("\"error\""))
            return Outcome.failed(Scenario.STREAM, System.nanoTime() - t0, "stream did not end with [DONE]: " + b.substring(Math.max(0, b.length() - 200)));
        return o;
    }

    /** A raw HTTP/1.1 stream, closed after its first event: the server must cancel the generation and count it. */
    private Outcome disconnect(SplittableRandom r, long t0) throws IOException {
        byte[] json = JSON.writeValueAsBytes(body(r, pick(r, PLAIN, HAPPY), false).put("stream", true).put("max_tokens", maxTokens * 4));
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
            s.setSoTimeout(60_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: " + base.getHost() + ":" + base.getPort() + "\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + json.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(json);
            out.flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            while (seen.size() < 1 << 16) {
                int n = in.read(buf);
                if (n < 0) break;
                seen.write(buf, 0, n);
                String t = seen.toString(StandardCharsets.UTF_8);
                if (!t.startsWith("HTTP/1.1 200")) {
                    int status = t.length() >= 12 ? Integer.parseInt(t.substring(9, 12)) : -1;
                    if (status > 0 && t.contains("\r\n\r\n")) return Outcome.of(Scenario.DISCONNECT, status, 200, System.nanoTime() - t0, t);
                } else if (t.contains("data: ")) {
                    return Outcome.ok(Scenario.DISCONNECT, System.nanoTime() - t0); // closing now, mid-stream
                }
            }
            return Outcome.failed(Scenario.DISCONNECT, System.nanoTime() - t0, "no event before the end: " + seen.toString(StandardCharsets.UTF_8));
        }
    }

    private Outcome vector(SplittableRandom r, String id, long t0) throws IOException, InterruptedException {
        String name = "soak-" + id;
        HttpResponse<String> up = post("/v1/vectors?name=" + name, "application/octet-stream", vector);
        Outcome o = expect(Scenario.VECTOR, up, 201, t0);
        if (o.kind() != Outcome.Kind.OK) return o;
        ObjectNode b = body(r, pick(r, PLAIN, HAPPY), false);
        b.putArray("steering").addObject().put("vector", name).put("coefficient", 2.0).put("layers", vectorLayer);
        o = expect(Scenario.VECTOR, post("/v1/completions", b), 200, t0);
        HttpResponse<String> del = http.send(HttpRequest.newBuilder(base.resolve("/v1/vectors/" + name)).timeout(Duration.ofSeconds(60)).DELETE().build(),
                HttpResponse.BodyHandlers.ofString());
        Outcome d = expect(Scenario.VECTOR, del, 200, t0);
        return o.kind() != Outcome.Kind.OK ? o : d;
    }

    private Outcome guard(SplittableRandom r, long t0) throws IOException, InterruptedException {
        HttpResponse<String> res = post("/v1/completions", body(r, SAD.get(r.nextInt(SAD.size())), false));
        Outcome o = expect(Scenario.GUARD, res, 200, t0);
        if (o.kind() != Outcome.Kind.OK) return o;
        boolean blocked = "content_filter".equals(JSON.readTree(res.body()).path("choices").path(0).path("finish_reason").asText());
        return new Outcome(Scenario.GUARD, Outcome.Kind.OK, o.nanos(), null, blocked);
    }

    private byte[] oversizedBody() {
        byte[] b = new byte[oversized];
        java.util.Arrays.fill(b, (byte) 'a');
        byte[] head = "{\"prompt\": \"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(head, 0, b, 0, head.length);
        b[b.length - 2] = '"';
        b[b.length - 1] = '}';
        return b;
    }

    /** A vector upload cut short or scrambled after a GGUF magic. */
    private byte[] broken(SplittableRandom r) {
        byte[] b = java.util.Arrays.copyOf(vector, 1 + r.nextInt(vector.length / 2)); // at most half: tensor data missing
        if (r.nextBoolean()) for (int i = 8; i < b.length; i += 1 + r.nextInt(16)) b[i] = (byte) r.nextInt(256);
        return b;
    }

    private static String pick(SplittableRandom r, List<String> a, List<String> b) {
        List<String> l = r.nextBoolean() ? a : b;
        return l.get(r.nextInt(l.size()));
    }

    private static Outcome expect(Scenario s, HttpResponse<String> res, int expected, long t0) {
        return Outcome.of(s, res.statusCode(), expected, System.nanoTime() - t0, res.body());
    }

    private HttpResponse<String> post(String path, ObjectNode body) throws IOException, InterruptedException {
        return post(path, "application/json", JSON.writeValueAsBytes(body));
    }

    HttpResponse<String> post(String path, String contentType, byte[] body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(120)).header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode get(String path) throws IOException, InterruptedException {
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) throw new IOException("GET " + path + " -> " + res.statusCode() + ": " + dev.steer4j.util.SafeText.of(res.body(), 200));
        return JSON.readTree(res.body());
    }
}
