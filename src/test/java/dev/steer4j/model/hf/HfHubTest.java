package dev.steer4j.model.hf;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.steer4j.model.Model;
import dev.steer4j.model.ModelException;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The hub cache and {@code --download} against a fake hub on 127.0.0.1 that answers the hub's URL shapes
 * ({@code /api/models/ORG/NAME/revision/REV}, {@code /ORG/NAME/resolve/COMMIT/FILE} with ETags, and a redirect of
 * the large file to a second "file store" server); the real hub is never contacted.
 */
class HfHubTest {
    static final Path SRC = TinyStoriesSafetensorsTest.DIR;
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String TOKEN = "hf_test_token";
    static final List<String> FILES = List.of("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
            "special_tokens_map.json", "model.safetensors", "README.md");

    @TempDir Path cacheDir;
    HttpServer hub, store;
    final List<String> log = Collections.synchronizedList(new ArrayList<>());
    final Map<String, byte[]> content = new LinkedHashMap<>();
    volatile boolean corrupt;
    volatile boolean storeSawToken;

    @BeforeEach
    void start() throws IOException {
        for (String f : FILES) content.put(f, f.equals("README.md") ? "# test\n".getBytes(StandardCharsets.UTF_8) : Files.readAllBytes(SRC.resolve(f)));
        store = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        store.createContext("/", this::serveStore);
        store.start();
        hub = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        hub.createContext("/", this::serveHub);
        hub.start();
    }

    @AfterEach
    void stop() {
        hub.stop(0);
        store.stop(0);
    }

    String endpoint() { return "http://127.0.0.1:" + hub.getAddress().getPort(); }

    static String sha256(byte[] b) throws Exception { return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b)); }

    static String gitSha1(byte[] b) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-1");
        md.update(("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII));
        return HexFormat.of().formatHex(md.digest(b));
    }

    void serveHub(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        log.add(ex.getRequestMethod() + " " + path + (ex.getRequestHeaders().containsKey("Range") ? " " + ex.getRequestHeaders().getFirst("Range") : ""));
        try {
            if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                reply(ex, 401, "{\"error\":\"unauthorized\"}".getBytes());
                return;
            }
            String repo = "/test-org/tiny-stories";
            if (path.equals("/api/models" + repo + "/revision/main")) {
                StringBuilder sb = new StringBuilder("{\"id\":\"test-org/tiny-stories\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
                for (int i = 0; i < FILES.size(); i++) sb.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(FILES.get(i)).append("\"}");
                reply(ex, 200, sb.append("]}").toString().getBytes());
            } else if (path.startsWith(repo + "/resolve/" + COMMIT + "/")) {
                String f = path.substring((repo + "/resolve/" + COMMIT + "/").length());
                byte[] b = content.get(f);
                if (b == null) { reply(ex, 404, new byte[0]); return; }
                if (f.endsWith(".safetensors")) {
                    String sha = sha256(b);
                    ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                    ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(b.length));
                    ex.getResponseHeaders().add("ETag", "\"some-git-etag\"");
                    ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + store.getAddress().getPort() + "/blobs/" + sha);
                    ex.sendResponseHeaders(302, -1);
                    ex.close();
                } else {
                    ex.getResponseHeaders().add("ETag", "\"" + gitSha1(b) + "\"");
                    reply(ex, 200, b);
                }
            } else reply(ex, 404, new byte[0]);
        } catch (Exception e) {
            reply(ex, 500, String.valueOf(e).getBytes());
        }
    }

    void serveStore(HttpExchange ex) throws IOException {
        String range = ex.getRequestHeaders().getFirst("Range");
        log.add("STORE " + ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + (range != null ? " " + range : ""));
        if (ex.getRequestHeaders().containsKey("Authorization")) storeSawToken = true;
        byte[] b = content.get("model.safetensors").clone();
        if (corrupt) b[b.length / 2] ^= 1;
        if (range != null && range.startsWith("bytes=")) {
            int from = Integer.parseInt(range.substring(6, range.length() - 1));
            byte[] rest = java.util.Arrays.copyOfRange(b, from, b.length);
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (b.length - 1) + "/" + b.length);
            reply(ex, 206, rest);
        } else reply(ex, 200, b);
    }

    static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        if (ex.getRequestMethod().equals("HEAD")) {
            ex.getResponseHeaders().add("Content-Length", String.valueOf(body.length));
            ex.sendResponseHeaders(status, -1);
        } else {
            ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            if (body.length > 0) try (OutputStream o = ex.getResponseBody()) { o.write(body); }
        }
        ex.close();
    }

    HfDownloader downloader(String token, List<long[]> progress) {
        return new HfDownloader(new HfHubCache(cacheDir), endpoint(), token, (f, d, t) -> { if (progress != null) progress.add(new long[]{d, t}); });
    }

    @Test
    void downloadsIntoTheCacheLayoutThenResolvesOffline() throws Exception {
        HfRepoRef ref = HfRepoRef.parse("hf:test-org/tiny-stories");
        List<long[]> progress = new ArrayList<>();
        Path snap = downloader(TOKEN, progress).download(ref);
        Path repo = cacheDir.resolve("models--test-org--tiny-stories");
        assertEquals(repo.resolve("snapshots").resolve(COMMIT), snap);
        assertEquals(COMMIT, Files.readString(repo.resolve("refs/main")));
        // snapshot files are relative links into blobs/, named by ETag
        Path st = snap.resolve("model.safetensors");
        assertTrue(Files.isSymbolicLink(st));
        assertEquals(Path.of("../../blobs/" + sha256(content.get("model.safetensors"))), Files.readSymbolicLink(st));
        assertEquals(Path.of("../../blobs/" + gitSha1(content.get("config.json"))), Files.readSymbolicLink(snap.resolve("config.json")));
        assertArrayEquals(content.get("tokenizer.json"), Files.readAllBytes(snap.resolve("tokenizer.json")));
        assertFalse(Files.exists(snap.resolve("README.md")), "only what steer4j loads is fetched");
        assertFalse(storeSawToken, "HF_TOKEN must not go to the file store's host");
        long[] last = progress.getLast();
        assertEquals(content.get("model.safetensors").length, last[0]);
        assertEquals(last[0], last[1]);

        // offline: the cache alone resolves the reference, and the model loads and runs
        Path resolved = new HfHubCache(cacheDir).resolve(ref);
        assertEquals(snap, resolved);
        assertEquals(snap, new HfHubCache(cacheDir).resolve(HfRepoRef.parse("hf:test-org/tiny-stories@" + COMMIT)));
        try (Model m = Model.load(resolved)) {
            assertEquals("test-org/tiny-stories", m.config().name());
            float[] logits = new ForwardPass(m).forward(new SequenceState(m), m.tokenizer().encode("Once upon a time"), false);
            assertEquals(m.config().vocabSize(), logits.length);
        }
        // a second download fetches nothing but the revision
        log.clear();
        downloader(TOKEN, null).download(ref);
        assertEquals(List.of("GET /api/models/test-org/tiny-stories/revision/main"), log);
    }

    @Test
    void resumesAPartialDownloadWithARangeRequest() throws Exception {
        byte[] b = content.get("model.safetensors");
        Path blobs = Files.createDirectories(cacheDir.resolve("models--test-org--tiny-stories/blobs"));
        Files.write(blobs.resolve(sha256(b) + ".incomplete"), java.util.Arrays.copyOf(b, 1000));
        Path snap = downloader(TOKEN, null).download(HfRepoRef.parse("hf:test-org/tiny-stories"));
        assertTrue(log.contains("STORE GET /blobs/" + sha256(b) + " bytes=1000-"), log.toString());
        assertArrayEquals(b, Files.readAllBytes(snap.resolve("model.safetensors")));
        assertFalse(Files.exists(blobs.resolve(sha256(b) + ".incomplete")));
    }

    @Test
    void aCorruptDownloadIsRejectedAndDeleted() throws Exception {
        corrupt = true;
        ModelException e = assertThrows(ModelException.class, () -> downloader(TOKEN, null).download(HfRepoRef.parse("hf:test-org/tiny-stories")));
        assertTrue(e.getMessage().contains("model.safetensors is corrupt: its SHA-256 is "), e.getMessage());
        String sha = sha256(content.get("model.safetensors"));
        try (var s = Files.list(cacheDir.resolve("models--test-org--tiny-stories/blobs"))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(sha)));
        }
    }

    @Test
    void errorsSayWhatToDo() {
        ModelException noToken = assertThrows(ModelException.class, () -> downloader(null, null).download(HfRepoRef.parse("hf:test-org/tiny-stories")));
        assertTrue(noToken.getMessage().contains("answered 401") && noToken.getMessage().contains("set HF_TOKEN"), noToken.getMessage());
        ModelException missing = assertThrows(ModelException.class, () -> downloader(TOKEN, null).download(HfRepoRef.parse("hf:test-org/other")));
        assertTrue(missing.getMessage().contains("no such model or revision"), missing.getMessage());
        ModelException notCached = assertThrows(ModelException.class, () -> new HfHubCache(cacheDir).resolve(HfRepoRef.parse("hf:test-org/tiny-stories@v1")));
        assertTrue(notCached.getMessage().contains("is not in the Hugging Face cache") && notCached.getMessage().contains("--download"), notCached.getMessage());
        ModelException http = assertThrows(ModelException.class, () -> new HfDownloader(new HfHubCache(cacheDir), "http://example.com", null, null));
        assertTrue(http.getMessage().contains("must be an https:// URL"), http.getMessage());
        for (String bad : List.of("hf:noslash", "hf:a/b/c", "hf:../x", "hf:org/name@", "hf:org/na me"))
            assertThrows(ModelException.class, () -> HfRepoRef.parse(bad), bad);
    }

    @Test
    void cacheLocationFollowsTheEnvironment() {
        assertEquals(Path.of("/c/hub"), HfHubCache.fromEnvironment(Map.of("HF_HUB_CACHE", "/c/hub", "HF_HOME", "/h")).root());
        assertEquals(Path.of("/h/hub"), HfHubCache.fromEnvironment(Map.of("HF_HOME", "/h")).root());
        assertEquals(Path.of("/x/huggingface/hub"), HfHubCache.fromEnvironment(Map.of("XDG_CACHE_HOME", "/x")).root());
        assertEquals(Path.of(System.getProperty("user.home"), ".cache/huggingface/hub"), HfHubCache.fromEnvironment(Map.of()).root());
        HfRepoRef r = HfRepoRef.parse("hf:Org-1/My.Model_2@v1.0");
        assertEquals("Org-1/My.Model_2", r.repo());
        assertEquals("v1.0", r.revision());
        assertEquals("models--Org-1--My.Model_2", r.cacheFolder());
    }
}
