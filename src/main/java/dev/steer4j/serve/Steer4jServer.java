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
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    /** How long {@link #close()} waits for in-flight requests to finish (SIGTERM drains this long at most). */
    public static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(30);
    /** The listen backlog (Jetty's acceptQueueSize): connections the kernel holds before Jetty accepts them. */
    public static final int ACCEPT_QUEUE_SIZE = 512;
    private final java.util.concurrent.atomic.AtomicReference<org.eclipse.jetty.server.handler.GracefulHandler> graceful = new java.util.concurrent.atomic.AtomicReference<>();

    private Steer4jServer(Model model, boolean ownsModel, ServeOptions options) {
        this(model, ownsModel, options, BrowserPolicy.defaults());
    }

    private Steer4jServer(Model model, boolean ownsModel, ServeOptions options, BrowserPolicy policy) {
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
        // The default library is per model (vectors fit one model's width and layers); an explicit --vectors is used as is.
        VectorLibrary library = new VectorLibrary(libraryDir(options, ServedModel.idOf(model)), model);
        this.served = new ServedModel(model, ServedModel.idOf(model), template, options, library, guard, System.currentTimeMillis() / 1000,
                loadRefts(options, model));
        checkDefaults(served);
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
            cfg.http.prefer405over404 = true; // a wrong method on a known route is 405, as docs/serve.md says
            cfg.http.maxRequestSize = Math.max(options.maxBodyBytes(), options.maxUploadBytes());
            cfg.jetty.host = options.host();
            cfg.jetty.port = options.port();
            cfg.requestLogger.http((ctx, ms) -> LOG.info("{} {} -> {} ({} ms)", ctx.method(), ctx.path(), ctx.statusCode(), Math.round(ms)));
            cfg.jetty.modifyServer(server -> {
                // in-flight requests finish on stop (up to the drain timeout); new ones get 503 meanwhile
                org.eclipse.jetty.server.handler.GracefulHandler g = new org.eclipse.jetty.server.handler.GracefulHandler();
                server.insertHandler(g);
                server.setStopTimeout(DRAIN_TIMEOUT.toMillis());
                graceful.set(g);
                server.setErrorHandler(new JsonErrorHandler()); // Jetty's own 400s (e.g. %00 in the path) as error objects
            });
            // Javalin's connector, with a listen backlog for bursts of connections (200 concurrent streams; Java's default is 50)
            cfg.jetty.addConnector((server, http) -> {
                org.eclipse.jetty.server.ServerConnector c = new org.eclipse.jetty.server.ServerConnector(server,
                        new org.eclipse.jetty.server.HttpConnectionFactory(http));
                c.setHost(options.host());
                c.setPort(options.port());
                c.setAcceptQueueSize(ACCEPT_QUEUE_SIZE);
                return c;
            });
            cfg.routes.before(ctx -> policy.check(ctx, options.host()));
            Routes.install(cfg.routes, auth, info, completions, vectors, new LlamaServerRoutes(served));
        });
    }

    /** The {@code --reft NAME=FILE} interventions, each read and checked against the model at start. */
    private static Map<String, dev.steer4j.steer.ReftIntervention> loadRefts(ServeOptions options, Model model) {
        Map<String, dev.steer4j.steer.ReftIntervention> out = new java.util.LinkedHashMap<>();
        for (var e : options.refts().entrySet()) {
            String what = "--reft " + e.getKey() + "=" + e.getValue();
            if (!Files.isRegularFile(e.getValue())) throw new IllegalArgumentException(what + ": no such file");
            dev.steer4j.steer.ReftIntervention r = dev.steer4j.steer.ReftFile.read(e.getValue());
            dev.steer4j.steer.ReftFile.checkFits(r, model, what);
            out.put(e.getKey(), r);
        }
        return out;
    }

    /** The library directory: {@code --vectors} as given, or the default root's sub-directory for this model id. */
    static Path libraryDir(ServeOptions options, String modelId) {
        return options.vectorsDir().equals(ServeOptions.defaultVectorsDir()) ? options.vectorsDir().resolve(modelId) : options.vectorsDir();
    }

    /** Fails at start, naming the option, when {@code --steer} or an {@code --alias} does not resolve against the library. */
    private static void checkDefaults(ServedModel served) {
        SteeringDefaults d = new SteeringDefaults(served.modelId(), served.options().steer(), served.options().aliases());
        RequestSteering rs = new RequestSteering(served);
        Map<String, com.fasterxml.jackson.databind.node.ArrayNode> all = new java.util.LinkedHashMap<>();
        if (!d.base().isEmpty()) all.put("--steer " + String.join(" --steer ", served.options().steer()), d.base());
        for (var e : d.aliases().entrySet()) all.put("--alias " + e.getKey() + "=" + served.options().aliases().get(e.getKey()), e.getValue());
        for (var e : all.entrySet()) {
            var body = Json.MAPPER.createObjectNode().put("prompt", "x");
            body.set("steering", e.getValue());
            try {
                rs.build(ServeRequest.parse(body, false), new java.util.LinkedHashMap<>());
            } catch (ApiException x) {
                throw new IllegalArgumentException(e.getKey() + ": " + x.getMessage(), x);
            }
        }
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

    /** As {@link #start(Path, ServeOptions)}, with what web pages may do ({@code --cors-origin}, {@code --allowed-host}). */
    public static Steer4jServer start(Path modelPath, ServeOptions options, BrowserPolicy policy) {
        Model m = Model.load(modelPath);
        try {
            return start(m, true, options, policy);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    /** Serves an already loaded model; the caller keeps ownership of it. */
    public static Steer4jServer start(Model model, ServeOptions options) {
        return start(model, false, options, BrowserPolicy.defaults());
    }

    /** Serves an already loaded model under a browser policy; the caller keeps ownership of the model. */
    public static Steer4jServer start(Model model, ServeOptions options, BrowserPolicy policy) {
        return start(model, false, options, policy);
    }

    private static Steer4jServer start(Model model, boolean owns, ServeOptions options) {
        return start(model, owns, options, BrowserPolicy.defaults());
    }

    private static Steer4jServer start(Model model, boolean owns, ServeOptions options, BrowserPolicy policy) {
        Steer4jServer s = new Steer4jServer(model, owns, options, policy);
        s.scheduler.start();
        try {
            s.app.start();
        } catch (RuntimeException e) {
            s.scheduler.close();
            throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": " + Text.rootMessage(e), e);
        }
        ServedModel m = s.served;
        LOG.info("steer4j serving {} at {} ({} vectors in {}, guard: {}, ReFT: {}, chat template: {}, API key: {})", m.modelId(), s.url(),
                m.library().list().size(), m.library().dir(), m.guard() == null ? "off" : m.guard().detectors().size() + " detector(s)",
                m.refts().isEmpty() ? "none" : String.join(", ", m.refts().keySet()),
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
        boolean drained = scheduler.drain(DRAIN_TIMEOUT);
        if (!drained) LOG.warn("shutting down with generation still running after {} s", DRAIN_TIMEOUT.toSeconds());
        app.stop(); // Jetty's graceful stop lets the handlers finish writing their responses
        scheduler.close();
        if (ownsModel) served.model().close();
    }

    /** The listen backlog the server's connector was opened with ({@link #ACCEPT_QUEUE_SIZE}). */
    public int acceptQueueSize() {
        return ((org.eclipse.jetty.server.ServerConnector) app.jettyServer().server().getConnectors()[0]).getAcceptQueueSize();
    }

    /** HTTP requests being handled now (for the soak harness and tests; 0 when idle). */
    public int inFlight() {
        org.eclipse.jetty.server.handler.GracefulHandler g = graceful.get();
        return g == null ? 0 : (int) g.getCurrentRequestCount();
    }
}
