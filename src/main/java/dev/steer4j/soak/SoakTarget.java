package dev.steer4j.soak;

import dev.steer4j.guard.Calibrator;
import dev.steer4j.guard.GuardFile;
import dev.steer4j.guard.GuardPolicy;
import dev.steer4j.model.Model;
import dev.steer4j.serve.ServeOptions;
import dev.steer4j.serve.Steer4jServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The server a soak drives: one it starts on loopback (with a guard calibrated on the spot and a scratch vector
 * library), whose own in-flight counter and heap it reads, or a running one at a URL, read through {@code /health}.
 */
public abstract sealed class SoakTarget implements AutoCloseable {
    /** The body limit of a local target: small, so the oversized bodies are cheap to send. */
    static final long LOCAL_MAX_BODY = 64 * 1024;

    public abstract URI url();
    /** Whether this soak knows the server has a guard (then GUARD requests are sent). */
    abstract boolean guarded();
    /** A body size over the server's limit. */
    abstract int oversizedBody();
    /** Heap in use after a GC, or -1 when the server runs elsewhere. */
    abstract long heapUsed();
    /** Requests the server reports as still being handled (its own count). */
    abstract int inFlight(SoakClient c) throws IOException, InterruptedException;
    public abstract String describe();

    @Override
    public void close() {}

    /** Starts a server for {@code model} on 127.0.0.1 (a free port) with a blocking guard calibrated on sad vs happy openings. */
    public static SoakTarget local(Model model, int concurrency) {
        try {
            Path dir = Files.createTempDirectory("steer4j-soak");
            Calibrator.Result cal = Calibrator.calibrate(model, "sad", SoakClient.SAD, SoakClient.HAPPY, 0, 1, null, GuardPolicy.BLOCK);
            Path guard = dir.resolve("guard.json");
            GuardFile.write(guard, new dev.steer4j.guard.Guard(java.util.List.of(cal.detector().withRefusal("Let's tell a happier story.")), model.config().name()));
            ServeOptions o = ServeOptions.defaults().withHost("127.0.0.1").withPort(0).withVectorsDir(dir.resolve("vectors"))
                    .withGuardFile(guard).withMaxBodyBytes(LOCAL_MAX_BODY).withRequestTimeout(Duration.ofSeconds(120))
                    .withQueueCapacity(Math.max(32, 2 * concurrency));
            return new Local(Steer4jServer.start(model, o), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A server already running at {@code url} (its body limit assumed to be the default 1 MiB). */
    public static SoakTarget remote(URI url) {
        return new Remote(url);
    }

    static final class Local extends SoakTarget {
        private final Steer4jServer server;
        private final Path dir;

        Local(Steer4jServer server, Path dir) {
            this.server = server;
            this.dir = dir;
        }

        @Override public URI url() { return URI.create(server.url()); }
        @Override boolean guarded() { return true; }
        @Override int oversizedBody() { return (int) LOCAL_MAX_BODY + 1024; }

        @Override
        long heapUsed() {
            Runtime rt = Runtime.getRuntime();
            System.gc();
            return rt.totalMemory() - rt.freeMemory();
        }

        @Override int inFlight(SoakClient c) { return server.inFlight(); }

        @Override
        public String describe() {
            return server.modelId() + ", started here on " + server.url() + " with a blocking guard calibrated on 6 sad vs 6 happy openings";
        }

        @Override
        public void close() {
            server.close();
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a scratch directory under the system temp dir
            }
        }
    }

    static final class Remote extends SoakTarget {
        private final URI url;
        private Boolean guarded;

        Remote(URI url) {
            this.url = url.getPath().endsWith("/") ? url : URI.create(url + "/");
        }

        @Override public URI url() { return url; }
        @Override boolean guarded() { return guarded != null && guarded; }
        void guarded(boolean g) { guarded = g; }
        @Override int oversizedBody() { return (1 << 20) + 1024; }
        @Override long heapUsed() { return -1; }

        @Override
        int inFlight(SoakClient c) throws IOException, InterruptedException {
            var h = c.get("/health");
            return h.path("active_requests").asInt() + h.path("queue_depth").asInt();
        }

        @Override public String describe() { return "the server at " + url; }
    }
}
