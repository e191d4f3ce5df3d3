package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.ModelException;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Fetches a model's files from the Hugging Face hub into the {@link HfHubCache} layout, as {@code huggingface_hub}
 * does: {@code GET /api/models/ORG/NAME/revision/REV} for the commit and the file list, then for each file a
 * {@code HEAD /ORG/NAME/resolve/COMMIT/FILE} for its ETag (the SHA-256 of large files, the git blob SHA-1 of small
 * ones) and a {@code GET} that follows the redirect to the file store. Downloads go to
 * {@code blobs/<etag>.incomplete} and resume from there with a {@code Range} request; each finished blob is checked
 * against its ETag before it is moved into place and linked from {@code snapshots/COMMIT/}.
 * <p>Only what steer4j loads is fetched: config and tokenizer files and the safetensors weights (a single file, or
 * the index and the shards it names). {@code HF_TOKEN} is sent as a bearer token to the endpoint's host only;
 * {@code HF_ENDPOINT} replaces {@code https://huggingface.co} (plain http only to a loopback address).
 */
public final class HfDownloader {
    /** Receives byte counts while a file downloads. */
    @FunctionalInterface
    public interface Listener {
        void progress(String file, long done, long total);

        Listener NONE = (f, d, t) -> {};
    }

    static final List<String> SMALL_FILES = List.of("config.json", "generation_config.json", "tokenizer.json",
            "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja");
    private static final int MAX_REDIRECTS = 5;

    private final HfHubCache cache;
    private final URI endpoint;
    private final String token;
    private final Listener listener;
    private final HttpClient http;
    private final ObjectMapper json = new ObjectMapper();

    public HfDownloader(HfHubCache cache, String endpoint, String token, Listener listener) {
        this.cache = cache;
        this.endpoint = checkEndpoint(endpoint == null || endpoint.isBlank() ? "https://huggingface.co" : endpoint.strip());
        this.token = token == null || token.isBlank() ? null : token.strip();
        this.listener = listener == null ? Listener.NONE : listener;
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(20)).build();
    }

    /** A downloader configured from {@code HF_ENDPOINT}, {@code HF_TOKEN} and the cache variables. */
    public static HfDownloader fromEnvironment(Map<String, String> env, Listener listener) {
        return new HfDownloader(HfHubCache.fromEnvironment(env), env.get("HF_ENDPOINT"), env.get("HF_TOKEN"), listener);
    }

    static URI checkEndpoint(String e) {
        URI u;
        try {
            u = URI.create(e.endsWith("/") ? e.substring(0, e.length() - 1) : e);
        } catch (IllegalArgumentException ex) {
            throw new ModelException("HF_ENDPOINT '" + e + "' is not a URL");
        }
        if (!"https".equals(u.getScheme()) && !("http".equals(u.getScheme()) && loopback(u)))
            throw new ModelException("HF_ENDPOINT '" + e + "' must be an https:// URL (plain http only to 127.0.0.1 or localhost)");
        return u;
    }

    /** Downloads what is missing of {@code ref} and returns its snapshot directory. */
    public Path download(HfRepoRef ref) {
        try {
            return doDownload(ref);
        } catch (IOException e) {
            throw new ModelException(ref + ": download failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ModelException(ref + ": download interrupted");
        }
    }

    private Path doDownload(HfRepoRef ref) throws IOException, InterruptedException {
        URI api = endpoint.resolve(endpoint.getPath() + "/api/models/" + ref.repo() + "/revision/" + enc(ref.revision()));
        HttpResponse<byte[]> r = send(HttpRequest.newBuilder(api).GET(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() == 401 || r.statusCode() == 403)
            throw new ModelException(ref + ": the hub answered " + r.statusCode() + " for " + api + (token == null ? " (gated or private? set HF_TOKEN)" : " (is HF_TOKEN allowed to read it?)"));
        if (r.statusCode() == 404) throw new ModelException(ref + ": no such model or revision on " + endpoint + " (404 for " + api + ")");
        if (r.statusCode() != 200) throw new ModelException(ref + ": the hub answered " + r.statusCode() + " for " + api);
        JsonNode info = json.readTree(r.body());
        String commit = info.path("sha").asText("");
        if (!commit.matches("[0-9a-f]{40}")) throw new ModelException(ref + ": " + api + " gave no commit hash ('sha')");
        Set<String> files = new LinkedHashSet<>();
        for (JsonNode s : info.path("siblings")) files.add(s.path("rfilename").asText());

        Path repoDir = cache.repoDir(ref);
        Path snap = repoDir.resolve("snapshots").resolve(commit);
        List<String> wanted = new ArrayList<>();
        for (String f : SMALL_FILES) if (files.contains(f)) wanted.add(f);
        if (!files.contains("config.json")) throw new ModelException(ref + ": the repository has no config.json (files: " + files + ")");
        if (files.contains(HfIndex.INDEX)) wanted.add(HfIndex.INDEX);
        else if (files.contains("model.safetensors")) wanted.add("model.safetensors");
        else throw new ModelException(ref + ": the repository has no model.safetensors or " + HfIndex.INDEX + " (files: " + files + ")");
        for (String f : wanted) fetch(ref, commit, f, snap);
        if (wanted.contains(HfIndex.INDEX)) {
            for (String shard : HfIndex.shards(snap.resolve(HfIndex.INDEX))) {
                if (!files.contains(shard)) throw new ModelException(ref + ": " + HfIndex.INDEX + " names shard '" + shard + "', which the repository does not have");
                fetch(ref, commit, shard, snap);
            }
        }
        if (!ref.revisionIsCommit()) {
            Path refFile = repoDir.resolve("refs").resolve(ref.revision());
            Files.createDirectories(refFile.getParent());
            Files.writeString(refFile, commit);
        }
        return snap;
    }

    private void fetch(HfRepoRef ref, String commit, String file, Path snap) throws IOException, InterruptedException {
        Path link = snap.resolve(file);
        if (Files.exists(link)) return;
        URI url = endpoint.resolve(endpoint.getPath() + "/" + ref.repo() + "/resolve/" + commit + "/" + encPath(file));
        HttpResponse<Void> head = send(HttpRequest.newBuilder(url).method("HEAD", HttpRequest.BodyPublishers.noBody()), HttpResponse.BodyHandlers.discarding());
        int sc = head.statusCode();
        if (sc != 200 && (sc < 300 || sc > 399)) throw new ModelException(ref + ": HEAD " + url + " answered " + sc);
        String etag = head.headers().firstValue("X-Linked-Etag").or(() -> head.headers().firstValue("ETag")).orElse(null);
        if (etag == null) throw new ModelException(ref + ": " + url + " has no ETag, so the download cannot be checked");
        etag = etag.replaceFirst("^W/", "").replace("\"", "").strip();
        if (!etag.matches("[0-9A-Za-z._-]{1,128}")) throw new ModelException(ref + ": " + url + " has an unusable ETag '" + etag + "'");
        long size = head.headers().firstValueAsLong("X-Linked-Size").orElse(head.headers().firstValueAsLong("Content-Length").orElse(-1));
        Path blobs = cache.repoDir(ref).resolve("blobs");
        Path blob = blobs.resolve(etag);
        if (!Files.isRegularFile(blob)) {
            Files.createDirectories(blobs);
            Path part = blobs.resolve(etag + ".incomplete");
            get(ref, url, file, part, size);
            verify(ref, file, part, etag);
            Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.createDirectories(link.getParent());
        Path target = link.getParent().relativize(blob);
        try {
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob, link, StandardCopyOption.REPLACE_EXISTING); // file systems without links
        }
    }

    private void get(HfRepoRef ref, URI url, String file, Path part, long size) throws IOException, InterruptedException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (size >= 0 && have > size) {
            Files.delete(part);
            have = 0;
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(url).GET();
        if (have > 0) b.header("Range", "bytes=" + have + "-");
        HttpResponse<InputStream> r = send(b, HttpResponse.BodyHandlers.ofInputStream());
        int sc = r.statusCode();
        boolean append = sc == 206;
        if (sc != 200 && sc != 206) {
            r.body().close();
            throw new ModelException(ref + ": GET " + url + " answered " + sc + " for " + file);
        }
        if (sc == 200) have = 0; // the server ignored the range: start again
        long total = size >= 0 ? size : r.headers().firstValueAsLong("Content-Length").orElse(-1) + have;
        try (InputStream in = r.body();
             OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            byte[] buf = new byte[1 << 16];
            long done = have;
            listener.progress(file, done, total);
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
                done += n;
                listener.progress(file, done, total);
            }
        }
    }

    /** A 64-hex ETag is the file's SHA-256 (LFS files); a 40-hex one the git blob SHA-1 (regular files). */
    static void verify(HfRepoRef ref, String file, Path part, String etag) throws IOException {
        String algo;
        byte[] prefix = null;
        if (etag.matches("[0-9a-f]{64}")) algo = "SHA-256";
        else if (etag.matches("[0-9a-f]{40}")) {
            algo = "SHA-1";
            prefix = ("blob " + Files.size(part) + "\0").getBytes(StandardCharsets.US_ASCII);
        } else return; // an opaque ETag names the content but cannot check it
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algo);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (prefix != null) md.update(prefix);
        try (InputStream in = Files.newInputStream(part)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equals(etag)) {
            Files.deleteIfExists(part);
            throw new ModelException(ref + ": " + file + " is corrupt: its " + algo + " is " + got + " but the hub's ETag says " + etag + " (deleted; run again)");
        }
    }

    /** Sends, following up to five redirects by hand (a HEAD's redirect is returned as it is) so the token goes to the endpoint's host only. */
    private <T> HttpResponse<T> send(HttpRequest.Builder b, HttpResponse.BodyHandler<T> handler) throws IOException, InterruptedException {
        HttpRequest req = b.timeout(Duration.ofMinutes(10)).header("User-Agent", "steer4j").build();
        URI uri = req.uri();
        for (int hop = 0; ; hop++) {
            HttpRequest.Builder rb = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).method(req.method(), HttpRequest.BodyPublishers.noBody());
            req.headers().map().forEach((k, vs) -> vs.forEach(v -> rb.header(k, v)));
            if (token != null && sameHost(uri, endpoint)) rb.header("Authorization", "Bearer " + token);
            HttpResponse<T> r = http.send(rb.build(), handler);
            int sc = r.statusCode();
            boolean redirect = sc == 301 || sc == 302 || sc == 303 || sc == 307 || sc == 308;
            if (!redirect || r.headers().firstValue("Location").isEmpty()) return r;
            // a HEAD answers with the metadata of the redirect itself (huggingface_hub reads X-Linked-Etag there)
            if (req.method().equals("HEAD")) return r;
            if (r.body() instanceof InputStream in) in.close();
            if (hop >= MAX_REDIRECTS) throw new ModelException("too many redirects fetching " + req.uri());
            uri = uri.resolve(r.headers().firstValue("Location").get());
            if (!"https".equals(uri.getScheme()) && !("http".equals(uri.getScheme()) && loopback(uri)))
                throw new ModelException("refusing a redirect from " + req.uri() + " to the non-https " + uri);
        }
    }

    private static boolean loopback(URI u) {
        String host = u.getHost();
        return host != null && (host.equals("127.0.0.1") || host.equals("localhost") || host.equals("[::1]") || host.equals("::1"));
    }

    private static boolean sameHost(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort() && a.getScheme().equals(b.getScheme());
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String encPath(String file) {
        StringBuilder sb = new StringBuilder();
        for (String part : file.split("/")) sb.append(sb.isEmpty() ? "" : "/").append(enc(part).replace("+", "%20"));
        return sb.toString();
    }
}
