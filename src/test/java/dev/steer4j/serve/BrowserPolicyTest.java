package dev.steer4j.serve;

import dev.steer4j.model.Model;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/** Host, Origin and Content-Type checks at the HTTP level (raw requests, since clients will not fake a Host). */
class BrowserPolicyTest {
    static Model model;

    @BeforeAll static void load() { model = model(); }
    @AfterAll static void close() { model.close(); }

    /** One raw HTTP/1.1 request; returns the status line and the body. */
    static String raw(Steer4jServer s, String method, String path, String host, String origin, String contentType, String body) throws IOException {
        try (Socket sock = new Socket("127.0.0.1", s.port())) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String req = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
                    + (origin == null ? "" : "Origin: " + origin + "\r\n") + (contentType == null ? "" : "Content-Type: " + contentType + "\r\n")
                    + "Content-Length: " + b.length + "\r\n\r\n";
            OutputStream out = sock.getOutputStream();
            out.write(req.getBytes(StandardCharsets.UTF_8));
            out.write(b);
            out.flush();
            InputStream in = sock.getInputStream();
            String resp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            return resp.substring(0, resp.indexOf("\r\n")) + " " + resp.substring(resp.indexOf("\r\n\r\n") + 4);
        }
    }

    @Test
    void aForeignHostIsRefusedSoDnsRebindingFails(@TempDir Path dir) throws IOException {
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            String r = raw(s, "GET", "/v1/models", "evil.example", null, null, "");
            assertTrue(r.startsWith("HTTP/1.1 403 "), r);
            assertTrue(r.contains("\"code\":\"host_not_allowed\""), r);
            assertTrue(r.contains("host 'evil.example' is not a name of this server; start it with --allowed-host evil.example"), r);
            assertTrue(raw(s, "GET", "/v1/models", "localhost:" + s.port(), null, null, "").startsWith("HTTP/1.1 200 "));
            assertTrue(raw(s, "GET", "/v1/models", "127.0.0.1:" + s.port(), null, null, "").startsWith("HTTP/1.1 200 "));
        }
        try (Steer4jServer s = Steer4jServer.start(model, options(dir), new BrowserPolicy(List.of(), List.of("steer4j.lan")))) {
            assertTrue(raw(s, "GET", "/v1/models", "steer4j.lan:8080", null, null, "").startsWith("HTTP/1.1 200 "));
        }
    }

    @Test
    void crossOriginWritesAndSimpleContentTypesAreRefused(@TempDir Path dir) throws IOException {
        String vec = "{\"name\": \"v\", \"directions\": {\"1\": [" + "0.5,".repeat(63) + "0.5]}}";
        try (Steer4jServer s = Steer4jServer.start(model, options(dir))) {
            String host = "127.0.0.1:" + s.port();
            String r = raw(s, "POST", "/v1/vectors", host, "http://evil.example", "application/json", vec);
            assertTrue(r.startsWith("HTTP/1.1 403 "), r);
            assertTrue(r.contains("a page from origin 'http://evil.example' may not POST /v1/vectors; start the server with --cors-origin http://evil.example to allow it"), r);
            r = raw(s, "POST", "/v1/vectors?name=x", host, null, "text/plain", "GGUF");
            assertTrue(r.startsWith("HTTP/1.1 415 "), r);
            assertTrue(r.contains("Content-Type 'text/plain' is not accepted for POST /v1/vectors"), r);
            assertTrue(raw(s, "DELETE", "/v1/vectors/x", host, "http://evil.example", null, "").startsWith("HTTP/1.1 403 "));
            // the server's own pages (the playground) may write
            assertTrue(raw(s, "POST", "/v1/vectors", host, "http://" + host, "application/json", vec).startsWith("HTTP/1.1 201 "));
            assertEquals(1, s.vectors().list().size());
        }
        try (Steer4jServer s = Steer4jServer.start(model, options(dir.resolve("b")), new BrowserPolicy(List.of("http://localhost:3000"), List.of()))) {
            String r = raw(s, "POST", "/v1/vectors", "127.0.0.1:" + s.port(), "http://localhost:3000", "application/json", vec);
            assertTrue(r.startsWith("HTTP/1.1 201 "), r);
            String pre = raw(s, "OPTIONS", "/v1/vectors", "127.0.0.1:" + s.port(), "http://localhost:3000", null, "");
            assertTrue(pre.startsWith("HTTP/1.1 204 "), pre);
        }
    }
}
