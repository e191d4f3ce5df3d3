package dev.steer4j.serve;

import dev.steer4j.guard.Guard;
import dev.steer4j.guard.GuardFile;
import dev.steer4j.model.ChatTemplate;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.util.Text;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * steer4j's HTTP server, its wiring and lifecycle: builds the parts (routes, auth, completions, vectors, guard) and
 * starts and stops them. It serves an OpenAI-compatible API ({@code /v1/models}, {@code /v1/completions},
 * {@code /v1/chat/completions}) with per-request steering, the vector library ({@code /v1/vectors}), the guard,
 * {@code /health}, {@code /metrics} and the playground at {@code /}. Built on Javalin (Jetty 12) with virtual threads;
 * generation runs on the {@link Scheduler}'s continuous-batching thread.
 *
 * <pre>{@code
 * try (Steer4jServer s = Steer4jServer.start(Path.of("model.gguf"), ServeOptions.defaults().withPort(8080))) {
 *     System.out.println("serving at " + s.url());
 *     s.awaitStop();
 * }
 * }</pre>
 */
public final class Steer4jServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Steer4jServer.class);

    private final ServedModel served;
    private final boolean ownsModel;
    private final Scheduler scheduler;
    private final List<Consumer<SequenceState>> requestHooks = new CopyOnWriteArrayList<>();
    private final Javalin app;
    private final Object stopLock = new Object();
    private volatile boolean stopped;

    private Steer4jServer(Model model, boolean ownsModel, ServeOptions options) {
        this.ownsModel = ownsModel;
        String override = null;
        if (options.chatTemplate() != null) {
            try {
                override = Files.readString(options.chatTemplate());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read chat template " + options.chatTemplate() + ": " + e.getMessage(), e);
            }
        }
        ChatTemplate template = ChatTemplate.forTokenizer(model.tokenizer(), override);
        Guard guard = options.guardFile() == null ? null : GuardFile.read(options.guardFile());
        if (guard != null) {
            try {
                guard.check(model.config().dim(), model.config().layers());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(options.guardFile() + ": " + e.getMessage(), e);
            }
        }
        VectorLibrary library = new VectorLibrary(options.vectorsDir(), model);
        this.served = new ServedModel(model, ServedModel.idOf(model), template, options, library, guard, System.currentTimeMillis() / 1000);
        this.scheduler = new Scheduler(new ForwardPass(model), options.maxBatch(), options.queueCapacity(), ServerMetrics::new);
        ApiKeyAuth auth = new ApiKeyAuth(options.apiKey());
        InfoRoutes info = new InfoRoutes(served, scheduler);
        CompletionEndpoint completions = new CompletionEndpoint(served, scheduler, new CompletionHandler(served, requestHooks));
        VectorRoutes vectors = new VectorRoutes(served);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.maxRequestSize = Math.max(options.maxBodyBytes(), options.maxUploadBytes());
            cfg.jetty.host = options.host();
            cfg.jetty.port = options.port();
            cfg.requestLogger.http((ctx, ms) -> LOG.info("{} {} -> {} ({} ms)", ctx.method(), ctx.path(), ctx.statusCode(), Math.round(ms)));
            Routes.install(cfg.routes, auth, info, completions, vectors);
        });
    }

    /** Loads the model (closed again when the server closes) and starts serving. */
    public static Steer4jServer start(Path modelPath, ServeOptions options) {
        Model m = Model.load(modelPath);
        try {
            return start(m, true, options);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Serves an already loaded model; the caller keeps ownership of it. */
    public static Steer4jServer start(Model model, ServeOptions options) {
        return start(model, false, options);
    }

    private static Steer4jServer start(Model model, boolean owns, ServeOptions options) {
        Steer4jServer s = new Steer4jServer(model, owns, options);
        s.scheduler.start();
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.scheduler.close();
            throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": " + Text.rootMessage(e), e);
        }
        ServedModel m = s.served;
        LOG.info("steer4j serving {} at {} ({} vectors in {}, guard: {}, chat template: {}, API key: {})", m.modelId(), s.url(),
                m.library().list().size(), m.library().dir(), m.guard() == null ? "off" : m.guard().detectors().size() + " detector(s)",
                m.template().isFallback() ? "plain fallback" : "from the model", options.apiKey() == null ? "off" : "required");
        return s;
    }

    public int port() { return app.port(); }

    /** {@code http://host:port/} */
    public String url() {
        String h = options().host().contains(":") ? "[" + options().host() + "]" : options().host();
        return "http://" + h + ":" + port() + "/";
    }

    public String modelId() { return served.modelId(); }
    public VectorLibrary vectors() { return served.library(); }
    public Guard guard() { return served.guard(); }
    public ServeOptions options() { return served.options(); }

    /**
     * Adds code that runs on every request's fresh {@link SequenceState} after its steering and guard are
     * registered, before generation: custom hooks (logging, probes, interventions) for embedders.
     */
    public void addRequestHook(Consumer<SequenceState> hook) {
        requestHooks.add(hook);
    }

    /** Blocks until {@link #close()} is called (from another thread or a shutdown hook). */
    public void awaitStop() throws InterruptedException {
        synchronized (stopLock) {
            while (!stopped) stopLock.wait();
        }
    }

    @Override
    public void close() {
        synchronized (stopLock) {
            if (stopped) return;
            stopped = true;
            stopLock.notifyAll();
        }
        scheduler.close();
        app.stop();
        if (ownsModel) served.model().close();
    }
}
