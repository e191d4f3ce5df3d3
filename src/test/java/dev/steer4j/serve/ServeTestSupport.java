package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;
import dev.steer4j.testutil.Fixtures;
import dev.steer4j.tokenizer.StreamDecoder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A real HTTP client (java.net.http) against a server on 127.0.0.1 and a free port. */
public final class ServeTestSupport {
    public static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ServeTestSupport() {}

    /** Options for tests: loopback, a free port, a given library directory, short limits. */
    public static ServeOptions options(Path vectors) {
        return ServeOptions.defaults().withHost("127.0.0.1").withPort(0).withVectorsDir(vectors)
                .withRequestTimeout(Duration.ofSeconds(60));
    }

    public static Model model() {
        return Model.load(Fixtures.stories260K());
    }

    public record Response(int status, String body, HttpResponse<String> raw) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response is not JSON (" + status + "): " + body, e);
            }
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    public static Response send(HttpRequest r) {
        try {
            HttpResponse<String> res = HTTP.send(r, HttpResponse.BodyHandlers.ofString());
            return new Response(res.statusCode(), res.body(), res);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Response post(Steer4jServer s, String path, String body) {
        return send(HttpRequest.newBuilder(URI.create(s.url() + path.substring(1))).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    public static Response post(Steer4jServer s, String path, Object body) {
        try {
            return post(s, path, JSON.writeValueAsString(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Response get(Steer4jServer s, String path) {
        return send(HttpRequest.newBuilder(URI.create(s.url() + path.substring(1))).timeout(Duration.ofSeconds(30)).GET().build());
    }

    public static Response delete(Steer4jServer s, String path) {
        return send(HttpRequest.newBuilder(URI.create(s.url() + path.substring(1))).timeout(Duration.ofSeconds(30)).DELETE().build());
    }

    /** The SSE {@code data:} payloads of a streamed response, in order. */
    public static List<String> sseData(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) continue;
            if (!block.startsWith("data: ")) throw new AssertionError("SSE event without 'data: ': " + block);
            out.add(block.substring(6));
        }
        return out;
    }

    /** Concatenated text of streamed chunks ({@code choices[0].text} or {@code .delta.content}). */
    public static String streamedText(List<String> data) {
        return data.stream().filter(d -> !d.equals("[DONE]")).map(d -> {
            try {
                JsonNode n = JSON.readTree(d);
                JsonNode c = n.path("choices").path(0);
                if (c.has("text")) return c.get("text").asText();
                return c.path("delta").path("content").asText("");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).collect(Collectors.joining());
    }

    /** What the server's stream decoder makes of these tokens. */
    public static String text(Model m, int[] tokens) {
        StreamDecoder d = m.tokenizer().streamDecoder();
        StringBuilder sb = new StringBuilder();
        for (int t : tokens) sb.append(d.accept(t));
        return sb.append(d.flush()).toString();
    }
}
