package dev.steer4j.serve;

import dev.steer4j.model.ChatTemplate;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.guard.Detector;
import dev.steer4j.guard.Guard;
import dev.steer4j.guard.GuardFile;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.HookSite;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.tokenizer.Tokenizer;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * steer4j's HTTP server: an OpenAI-compatible API ({@code /v1/models}, {@code /v1/completions},
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
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8");

    private final Model model;
    private final boolean ownsModel;
    private final ServeOptions options;
    private final Tokenizer tokenizer;
    private final String modelId;
    private final ChatTemplate template;
    private final VectorLibrary library;
    private final Guard guard;
    private final Scheduler scheduler;
    private final ServerMetrics metrics;
    private final byte[] apiKeyHash;
    private final List<Consumer<SequenceState>> requestHooks = new CopyOnWriteArrayList<>();
    private final Map<String, byte[]> assets = new LinkedHashMap<>();
    private final long startedAt = System.currentTimeMillis() / 1000;
    private final Javalin app;
    private final Object stopLock = new Object();
    private volatile boolean stopped;

    private Steer4jServer(Model model, boolean ownsModel, ServeOptions options) {
        this.model = model;
        this.ownsModel = ownsModel;
        this.options = options;
        this.tokenizer = model.tokenizer();
        this.modelId = modelId(model);
        String override = null;
        if (options.chatTemplate() != null) {
            try {
                override = Files.readString(options.chatTemplate());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read chat template " + options.chatTemplate() + ": " + e.getMessage(), e);
            }
        }
        this.template = ChatTemplate.forTokenizer(tokenizer, override);
        this.guard = options.guardFile() == null ? null : GuardFile.read(options.guardFile());
        if (guard != null) {
            try {
                guard.check(model.config().dim(), model.config().layers());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(options.guardFile() + ": " + e.getMessage(), e);
            }
        }
        this.library = new VectorLibrary(options.vectorsDir(), model);
        this.apiKeyHash = options.apiKey() == null ? null : sha256(options.apiKey());
        this.scheduler = new Scheduler(new ForwardPass(model), options.maxBatch(), options.queueCapacity(), ServerMetrics::new);
        this.metrics = scheduler.metrics();
        for (String name : ASSETS.keySet()) assets.put(name, resource("/steer4j/playground/" + name));
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.concurrency.useVirtualThreads = true;
            cfg.http.compressionStrategy = CompressionStrategy.NONE;
            cfg.http.maxRequestSize = Math.max(options.maxBodyBytes(), options.maxUploadBytes());
            cfg.jetty.host = options.host();
            cfg.jetty.port = options.port();
            cfg.requestLogger.http((ctx, ms) -> LOG.info("{} {} -> {} ({} ms)", ctx.method(), ctx.path(), ctx.statusCode(), Math.round(ms)));
            routes(cfg.routes);
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
            throw new IllegalStateException("cannot listen on " + options.host() + ":" + options.port() + ": " + rootMessage(e), e);
        }
        LOG.info("steer4j serving {} at {} ({} vectors in {}, guard: {}, chat template: {}, API key: {})", s.modelId, s.url(),
                s.library.list().size(), s.library.dir(), s.guard == null ? "off" : s.guard.detectors().size() + " detector(s)",
                s.template.isFallback() ? "plain fallback" : "from the model", options.apiKey() == null ? "off" : "required");
        return s;
    }

    public int port() { return app.port(); }

    /** {@code http://host:port/} */
    public String url() {
        String h = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + h + ":" + port() + "/";
    }

    public String modelId() { return modelId; }
    public VectorLibrary vectors() { return library; }
    public Guard guard() { return guard; }
    public ServeOptions options() { return options; }

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
        if (ownsModel) model.close();
    }

    // ------------------------------------------------------------------ routes

    private void routes(io.javalin.config.RoutesConfig r) {
        r.before("/v1/*", this::authorize);
        r.get("/", ctx -> asset(ctx, "index.html"));
        r.get("/playground/{file}", ctx -> asset(ctx, ctx.pathParam("file")));
        r.get("/health", ctx -> json(ctx, 200, health()));
        r.get("/metrics", ctx -> {
            ctx.contentType("text/plain; version=0.0.4; charset=utf-8");
            ctx.result(metrics.scrape());
        });
        r.get("/v1/models", ctx -> json(ctx, 200, models()));
        r.get("/v1/models/{id}", ctx -> {
            if (!ctx.pathParam("id").equals(modelId))
                throw ApiException.notFound("model", "model_not_found", "the model '" + ctx.pathParam("id") + "' does not exist (this server serves '" + modelId + "')");
            json(ctx, 200, modelObject());
        });
        r.post("/v1/completions", ctx -> complete(ctx, false));
        r.post("/v1/chat/completions", ctx -> complete(ctx, true));
        r.get("/v1/vectors", ctx -> json(ctx, 200, listVectors()));
        r.get("/v1/vectors/{name}", ctx -> json(ctx, 200, vectorObject(ctx.pathParam("name"), true)));
        r.post("/v1/vectors", ctx -> {
            if (!options.clientSteering()) throw clientSteeringDisabled(null, "writes to the vector library");
            postVector(ctx);
        });
        r.delete("/v1/vectors/{name}", ctx -> {
            if (!options.clientSteering()) throw clientSteeringDisabled(null, "writes to the vector library");
            String name = VectorLibrary.checkName(ctx.pathParam("name"), "name");
            library.delete(name);
            LOG.info("vector '{}' deleted", name);
            json(ctx, 200, Map.of("id", name, "object", "vector", "deleted", true));
        });
        r.get("/v1/guard", ctx -> json(ctx, 200, guardObject()));
        r.exception(ApiException.class, (e, ctx) -> error(ctx, e));
        r.exception(HttpResponseException.class, (e, ctx) -> error(ctx, switch (e.getStatus()) {
            case 404 -> ApiException.notFound(null, "not_found", "no route for " + ctx.method() + " " + ctx.path());
            case 405 -> new ApiException(405, "method " + ctx.method() + " is not allowed on " + ctx.path(), "invalid_request_error", null, "method_not_allowed");
            case 413 -> new ApiException(413, "the request body is too large", "invalid_request_error", null, "body_too_large");
            default -> new ApiException(e.getStatus(), e.getMessage(), e.getStatus() >= 500 ? "server_error" : "invalid_request_error", null, "http_error");
        }));
        r.exception(Exception.class, (e, ctx) -> {
            LOG.error("{} {} failed", ctx.method(), ctx.path(), e);
            error(ctx, new ApiException(500, "internal error: " + rootMessage(e), "server_error", null, "internal_error"));
        });
        r.error(404, ctx -> {
            if (ctx.result() == null || ctx.result().isEmpty() || !ctx.res().getContentType().startsWith("application/json"))
                error(ctx, ApiException.notFound(null, "not_found", "no route for " + ctx.method() + " " + ctx.path()));
        });
        r.error(405, ctx -> error(ctx, new ApiException(405, "method " + ctx.method() + " is not allowed on " + ctx.path(), "invalid_request_error", null, "method_not_allowed")));
    }

    /** 403 for a request that would change the model while the server runs with {@code --no-client-steering}. */
    private static ApiException clientSteeringDisabled(String param, String what) {
        return new ApiException(403, what + " not allowed: this server runs with --no-client-steering, so clients cannot "
                + "change the model's activations", "permission_error", param, "client_steering_disabled");
    }

    private void authorize(Context ctx) {
        if (apiKeyHash == null) return;
        String h = ctx.header("Authorization");
        if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7))
            throw new ApiException(401, "missing API key: send 'Authorization: Bearer <key>'", "invalid_request_error", null, "missing_api_key");
        // Hash both sides so the comparison takes the same time whatever the key's length or content.
        if (!MessageDigest.isEqual(sha256(h.substring(7).trim()), apiKeyHash))
            throw new ApiException(401, "incorrect API key provided", "invalid_request_error", null, "invalid_api_key");
    }

    private void asset(Context ctx, String name) {
        byte[] b = assets.get(name);
        if (b == null) throw ApiException.notFound(null, "not_found", "no playground asset named '" + name + "'");
        ctx.contentType(ASSETS.get(name));
        ctx.header("Cache-Control", "no-cache");
        ctx.result(b);
    }

    private Map<String, Object> health() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", scheduler.running() ? "ok" : "stopping");
        m.put("model", modelId);
        m.put("active_requests", scheduler.active());
        m.put("queue_depth", scheduler.queueDepth());
        m.put("max_batch", options.maxBatch());
        m.put("client_steering", options.clientSteering());
        m.put("context_length", model.config().contextLength());
        return m;
    }

    private Map<String, Object> models() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "list");
        m.put("data", List.of(modelObject()));
        return m;
    }

    private Map<String, Object> modelObject() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", modelId);
        o.put("object", "model");
        o.put("created", startedAt);
        o.put("owned_by", "steer4j");
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("architecture", model.config().architecture().ggufName);
        s.put("layers", model.config().layers());
        s.put("n_embd", model.config().dim());
        s.put("context_length", model.config().contextLength());
        s.put("chat_template", template.isFallback() ? "plain fallback" : "jinja");
        o.put("steer4j", s);
        return o;
    }

    // ------------------------------------------------------------------ completions

    private void complete(Context ctx, boolean chat) throws IOException, InterruptedException {
        String endpoint = chat ? "/v1/chat/completions" : "/v1/completions";
        long t0 = System.nanoTime();
        int status = 200;
        try {
            JsonNode body = readJson(ctx);
            ServeRequest req = ServeRequest.parse(body, chat);
            if (!options.clientSteering()) {
                String field = !req.steering().isEmpty() ? "steering" : !req.ablate().isEmpty() ? "ablate" : !req.conditions().isEmpty() ? "condition" : null;
                if (field != null) throw clientSteeringDisabled(field, "'" + field + "'");
            }
            GenerationJob job = prepare(req, chat);
            if (!scheduler.submit(job)) {
                job.cancel("rejected");
                if (!scheduler.running()) throw Scheduler.shuttingDown();
                throw new ApiException(429, "the server is busy: " + options.maxBatch() + " requests are generating and "
                        + options.queueCapacity() + " are waiting (the queue limit); retry later", "rate_limit_error", null, "queue_full", 1);
            }
            watchDisconnect(ctx, job);
            if (req.stream()) stream(ctx, job, req, chat);
            else respond(ctx, job, chat);
            status = ctx.statusCode();
        } catch (ApiException e) {
            status = e.status();
            throw e;
        } finally {
            metrics.requests.labelValues(endpoint, String.valueOf(status)).inc();
            metrics.requestSeconds.labelValues(endpoint).observe((System.nanoTime() - t0) / 1e9);
        }
    }

    private GenerationJob prepare(ServeRequest req, boolean chat) {
        int ctxLen = model.config().contextLength();
        String promptParam = chat ? "messages" : "prompt";
        int[] tokens;
        if (chat) tokens = chatTokens(req.messages());
        else if (req.promptTokens() != null) {
            tokens = req.promptTokens();
            for (int i = 0; i < tokens.length; i++)
                if (tokens[i] < 0 || tokens[i] >= model.config().vocabSize())
                    throw ApiException.invalid("prompt", "'prompt[" + i + "]' = " + tokens[i] + " is not a token id (the vocabulary has ids 0-" + (model.config().vocabSize() - 1) + ")");
        } else tokens = tokenizer.encode(req.prompt());
        if (tokens.length == 0) throw ApiException.invalid(promptParam, "the prompt is empty (no tokens)");
        int promptLimit = Math.min(options.maxPromptTokens(), ctxLen - 1);
        if (tokens.length > promptLimit)
            throw ApiException.invalid(promptParam, "prompt_too_long", "the prompt is " + tokens.length + " tokens, over the limit of " + promptLimit
                    + " tokens (max_prompt_tokens" + (promptLimit < options.maxPromptTokens() ? ", the model's context length " + ctxLen + " minus 1" : "") + ")");
        String mtParam = chat ? "max_tokens" : "max_tokens";
        int maxTokens;
        if (req.maxTokens() != null) {
            maxTokens = req.maxTokens();
            if (maxTokens > options.maxTokens())
                throw ApiException.invalid(mtParam, "max_tokens_too_large", "'max_tokens' is " + maxTokens + ", over the server's limit of " + options.maxTokens() + " (max_tokens limit)");
            if (tokens.length + maxTokens > ctxLen)
                throw ApiException.invalid(mtParam, "context_length_exceeded", "the prompt (" + tokens.length + " tokens) plus 'max_tokens' (" + maxTokens
                        + ") is over the model's context length of " + ctxLen + " tokens");
        } else {
            maxTokens = Math.min(chat ? options.maxTokens() : 16, ctxLen - tokens.length);
            maxTokens = Math.min(maxTokens, options.maxTokens());
        }
        long seed = req.seed() != null ? req.seed() : ThreadLocalRandom.current().nextLong();
        GenerationConfig cfg = new GenerationConfig(maxTokens, req.temperature(), 0, req.topP(), 0f, 1f, 64, seed, req.stop(), true);
        SequenceState seq = new SequenceState(model, tokens.length + maxTokens);
        seq.setPromptLength(tokens.length);
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(randomBytes(12));
        GenerationJob job = new GenerationJob(id, chat ? "chat" : "completions", tokens, seq, cfg, tokenizer, options.requestTimeout().toNanos());

        // The guard reads the prompt first, before any request steering at its layer.
        if (guard != null && !guard.isEmpty()) {
            try {
                job.guard = guard.attach(seq, library::get);
            } catch (IllegalArgumentException e) {
                throw new ApiException(500, "the guard cannot run: " + e.getMessage(), "server_error", null, "guard_error");
            }
        }
        Steering steering = steering(req, job.echo);
        if (!steering.isEmpty()) {
            try {
                job.steering = steering.applyTo(seq);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("steering", "invalid_steering", e.getMessage());
            }
        }
        for (Consumer<SequenceState> h : requestHooks) h.accept(seq);
        if (req.projection() != null) {
            job.probe = probe(req.projection());
            job.probe.attach(seq);
        }
        return job;
    }

    private int[] chatTokens(List<ChatTemplate.Message> messages) {
        String text;
        try {
            text = template.render(messages);
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new ApiException(400, e.getMessage(), "invalid_request_error", "messages", "chat_template_error");
        }
        if (template.isFallback()) return tokenizer.encode(text);
        boolean bos = tokenizer.addBosByDefault() && (template.bosToken().isEmpty() || !text.startsWith(template.bosToken()));
        return tokenizer.encode(text, bos, false, true);
    }

    /** Builds the request's steering: library or inline vectors, ablations, CAST conditions. */
    private Steering steering(ServeRequest req, Map<String, Object> echo) {
        Steering s = Steering.none();
        List<Map<String, Object>> echoSteer = new ArrayList<>();
        for (int i = 0; i < req.steering().size(); i++) {
            ServeRequest.SteerSpec sp = req.steering().get(i);
            String p = "steering[" + i + "]";
            SteeringVector v = resolve(sp.vector(), p + ".vector");
            if (v.layers().subMap(sp.fromLayer(), true, sp.toLayer(), true).isEmpty())
                throw ApiException.invalid(p + ".layers", "vector " + sp.vector().describe() + " has no direction in layers " + sp.fromLayer() + "-"
                        + (sp.toLayer() == Integer.MAX_VALUE ? "" : sp.toLayer()) + " (it has layers " + v.layers().keySet() + ")");
            try {
                s = s.add(v, sp.coefficient(), sp.fromLayer(), sp.toLayer(), HookSite.RESID_POST, sp.positions());
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(p, "invalid_steering", p + ": " + e.getMessage());
            }
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("vector", sp.vector().name() != null ? sp.vector().name() : "inline");
            x.put("coefficient", sp.coefficient());
            x.put("layers", List.copyOf(v.layers().subMap(sp.fromLayer(), true, sp.toLayer(), true).keySet()));
            x.put("positions", sp.positions().toString());
            echoSteer.add(x);
        }
        List<Map<String, Object>> echoAblate = new ArrayList<>();
        for (int i = 0; i < req.ablate().size(); i++) {
            ServeRequest.AblateSpec a = req.ablate().get(i);
            String p = "ablate[" + i + "]";
            SteeringVector v = resolve(a.vector(), p);
            int layer = pickLayer(v, a.layer(), p + ".layer");
            try {
                s = s.ablate(v.get(layer));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(p, "invalid_steering", p + ": " + e.getMessage());
            }
            echoAblate.add(Map.of("vector", a.vector().name() != null ? a.vector().name() : "inline", "layer", layer));
        }
        for (int i = 0; i < req.conditions().size(); i++) {
            ServeRequest.ConditionSpec c = req.conditions().get(i);
            String p = req.conditions().size() == 1 ? "condition" : "condition[" + i + "]";
            SteeringVector v = resolve(c.vector(), p + ".vector");
            int layer = c.layer();
            float[] dir;
            if (v.has(layer)) dir = v.get(layer);
            else if (v.layers().size() == 1) dir = v.layers().firstEntry().getValue().clone();
            else throw ApiException.invalid(p + ".layer", "vector " + c.vector().describe() + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            if (layer >= model.config().layers())
                throw ApiException.invalid(p + ".layer", "'" + p + ".layer' = " + layer + " does not exist (the model has layers 0-" + (model.config().layers() - 1) + ")");
            try {
                s = s.when(new Condition(c.vector().name() != null ? c.vector().name() : "inline", dir, layer, c.threshold(), c.comparison(), c.aggregate()));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(p, "invalid_condition", p + ": " + e.getMessage());
            }
        }
        s = s.conditionRule(req.conditionRule());
        if (!echoSteer.isEmpty()) echo.put("steering", echoSteer);
        if (!echoAblate.isEmpty()) echo.put("ablate", echoAblate);
        return s;
    }

    /** The library vector or the inline directions, checked against the model's width and layers. */
    private SteeringVector resolve(VectorRef ref, String param) {
        SteeringVector v;
        if (ref.name() != null) {
            try {
                v = library.get(ref.name());
            } catch (ApiException e) {
                if (e.status() == 404) throw ApiException.notFound(param, "vector_not_found", "'" + param + "': " + e.getMessage());
                throw e;
            }
        } else {
            try {
                v = SteeringVector.of(ref.inline(), VectorMetadata.unknown().withMethod("inline"));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(param, "'" + param + "': " + e.getMessage());
            }
        }
        if (v.dim() != model.config().dim())
            throw ApiException.invalid(param, "vector " + ref.describe() + " has " + v.dim() + " numbers per layer but the model's n_embd is " + model.config().dim());
        int last = v.layers().lastKey();
        if (last >= model.config().layers())
            throw ApiException.invalid(param, "vector " + ref.describe() + " has a direction for layer " + last + " but the model has layers 0-" + (model.config().layers() - 1));
        return v;
    }

    /** The layer asked for, the only layer, or the middle one of the vector's layers. */
    private static int pickLayer(SteeringVector v, Integer layer, String param) {
        if (layer != null) {
            if (!v.has(layer)) throw ApiException.invalid(param, "the vector has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            return layer;
        }
        List<Integer> ls = new ArrayList<>(v.layers().keySet());
        return ls.get(ls.size() / 2);
    }

    private ProjectionProbe probe(ServeRequest.ProjectionSpec p) {
        if (p.detector() != null) {
            Detector d = guard == null ? null : guard.detector(p.detector());
            if (d == null) throw ApiException.notFound("projection.detector", "detector_not_found", "no guard detector named \"" + p.detector() + "\""
                    + (guard == null ? " (the server runs without a guard)" : " (GET /v1/guard lists them)"));
            return new ProjectionProbe("detector:" + d.name(), d.layer(), d.direction());
        }
        SteeringVector v = resolve(p.vector(), "projection.vector");
        int layer = pickLayer(v, p.layer(), "projection.layer");
        return new ProjectionProbe(p.vector().name() != null ? p.vector().name() : "inline", layer, v.get(layer));
    }

    /** How often a blocking request checks that its client is still connected (see {@link ConnectionProbe}). */
    private static final long PROBE_INTERVAL_MS = 100;

    /**
     * Cancels the generation when Jetty reports the request's connection as failed. Over HTTP/1.1 Jetty does not read
     * the connection while a handler runs, so a client that simply closes is noticed by a streamed response's next
     * write (see {@link #stream}) and by a blocking request's {@link ConnectionProbe}.
     */
    private void watchDisconnect(Context ctx, GenerationJob job) {
        try {
            var core = org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(ctx.req());
            if (core != null) core.addFailureListener(t -> job.cancel("disconnect"));
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("no disconnect listener: {}", e.toString());
        }
    }

    private GenerationJob.Event next(GenerationJob job) throws InterruptedException {
        return next(job, null);
    }

    /**
     * The job's next event. With a probe, waits in slices of {@link #PROBE_INTERVAL_MS} and cancels the job as soon as
     * the client is seen to be gone; the scheduler then ends it with a "cancelled" failure.
     */
    private GenerationJob.Event next(GenerationJob job, ConnectionProbe probe) throws InterruptedException {
        long end = job.deadlineNanos + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            if (probe != null && !job.cancelled && probe.clientGone()) {
                job.cancel("disconnect");
                LOG.debug("request {}: the client closed the connection", job.id);
            }
            long wait = end - System.nanoTime();
            if (wait <= 0) {
                job.cancel("timeout");
                return new GenerationJob.Failed(new ApiException(504, "the request ran past its timeout", "timeout_error", null, "request_timeout"));
            }
            if (probe != null && !job.cancelled) wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS));
            GenerationJob.Event e = job.events.poll(wait, TimeUnit.NANOSECONDS);
            if (e != null) return e;
        }
    }

    private void respond(Context ctx, GenerationJob job, boolean chat) throws InterruptedException {
        ConnectionProbe probe = ConnectionProbe.of(ctx, PROBE_INTERVAL_MS);
        while (true) {
            GenerationJob.Event e = next(job, probe);
            if (e instanceof GenerationJob.Failed f) throw f.error();
            if (e instanceof GenerationJob.Done d) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("id", job.id);
                r.put("object", chat ? "chat.completion" : "text_completion");
                r.put("created", System.currentTimeMillis() / 1000);
                r.put("model", modelId);
                Map<String, Object> choice = new LinkedHashMap<>();
                choice.put("index", 0);
                if (chat) {
                    Map<String, Object> msg = new LinkedHashMap<>();
                    msg.put("role", "assistant");
                    msg.put("content", d.text());
                    choice.put("message", msg);
                } else choice.put("text", d.text());
                choice.put("logprobs", null);
                choice.put("finish_reason", d.finishReason());
                r.put("choices", List.of(choice));
                r.put("usage", usage(d));
                r.put("steer4j", d.steer4j());
                json(ctx, 200, r);
                return;
            }
        }
    }

    private static Map<String, Object> usage(GenerationJob.Done d) {
        Map<String, Object> u = new LinkedHashMap<>();
        u.put("prompt_tokens", d.promptTokens());
        u.put("completion_tokens", d.completionTokens());
        u.put("total_tokens", d.promptTokens() + d.completionTokens());
        return u;
    }

    private void stream(Context ctx, GenerationJob job, ServeRequest req, boolean chat) throws InterruptedException {
        // Wait for the prompt to run before committing to 200, so early failures still get their status code.
        GenerationJob.Event first = next(job);
        if (first instanceof GenerationJob.Failed f) throw f.error();
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        long created = System.currentTimeMillis() / 1000;
        try {
            OutputStream out = ctx.res().getOutputStream();
            GenerationJob.Event e = first;
            boolean firstChunk = true;
            while (true) {
                switch (e) {
                    case GenerationJob.Prefilled p -> {
                        Map<String, Object> c = chunk(job, chat, created, "", true, null);
                        c.put("steer4j", p.steer4j());
                        sse(out, c);
                        firstChunk = false;
                    }
                    case GenerationJob.Delta d -> {
                        sse(out, chunk(job, chat, created, d.text(), firstChunk, null));
                        firstChunk = false;
                    }
                    case GenerationJob.Done d -> {
                        Map<String, Object> c = chunk(job, chat, created, chat ? null : "", false, d.finishReason());
                        c.put("steer4j", d.steer4j());
                        sse(out, c);
                        if (req.includeUsage()) {
                            Map<String, Object> u = chunk(job, chat, created, null, false, null);
                            u.put("choices", List.of());
                            u.put("usage", usage(d));
                            sse(out, u);
                        }
                        done(out);
                        return;
                    }
                    case GenerationJob.Failed f -> {
                        if (!"cancelled".equals(f.error().code())) {
                            sse(out, f.error().body());
                            done(out);
                        }
                        return;
                    }
                }
                e = next(job);
            }
        } catch (IOException io) {
            job.cancel("disconnect");
            LOG.debug("request {}: client went away: {}", job.id, io.toString());
        }
    }

    private Map<String, Object> chunk(GenerationJob job, boolean chat, long created, String text, boolean role, String finish) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", job.id);
        c.put("object", chat ? "chat.completion.chunk" : "text_completion");
        c.put("created", created);
        c.put("model", modelId);
        Map<String, Object> choice = new LinkedHashMap<>();
        choice.put("index", 0);
        if (chat) {
            Map<String, Object> delta = new LinkedHashMap<>();
            if (role) delta.put("role", "assistant");
            if (text != null) delta.put("content", text);
            choice.put("delta", delta);
        } else choice.put("text", text == null ? "" : text);
        choice.put("logprobs", null);
        choice.put("finish_reason", finish);
        c.put("choices", List.of(choice));
        return c;
    }

    private static void sse(OutputStream out, Object data) throws IOException {
        out.write(("data: " + JSON.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void done(OutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    // ------------------------------------------------------------------ vectors

    private Map<String, Object> listVectors() {
        List<Map<String, Object>> data = new ArrayList<>();
        for (VectorLibrary.Entry e : library.list()) data.add(vectorObject(e));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("object", "list");
        m.put("data", data);
        return m;
    }

    private static Map<String, Object> vectorObject(VectorLibrary.Entry e) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", e.name());
        o.put("object", "vector");
        o.put("layers", e.layers());
        o.put("n_embd", e.dim());
        o.put("method", e.method());
        o.put("bytes", e.bytes());
        return o;
    }

    private Map<String, Object> vectorObject(String name, boolean norms) {
        VectorLibrary.checkName(name, "name");
        SteeringVector v;
        try {
            v = library.get(name);
        } catch (ApiException e) {
            throw ApiException.notFound("name", "vector_not_found", e.getMessage());
        }
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("id", name);
        o.put("object", "vector");
        o.put("layers", List.copyOf(v.layers().keySet()));
        o.put("n_embd", v.dim());
        o.put("method", v.metadata().method());
        if (norms) {
            Map<String, Object> n = new LinkedHashMap<>();
            v.layers().forEach((l, d) -> n.put(String.valueOf(l), Math.round(SteeringVector.norm(d) * 1e4) / 1e4));
            o.put("norms", n);
        }
        return o;
    }

    private void postVector(Context ctx) throws IOException {
        String ct = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(java.util.Locale.ROOT);
        VectorLibrary.Entry entry;
        if (ct.startsWith("application/json")) {
            JsonNode body = readJson(ctx);
            if (!body.isObject()) throw ApiException.invalid(null, "invalid_json", "the request body must be a JSON object, got " + Params.show(body));
            String name = Params.optString(body, "name", "name");
            if (name == null) throw ApiException.invalid("name", "missing_parameter", "'name' is required");
            VectorLibrary.checkName(name, "name");
            Boolean overwrite = Params.optBool(body, "overwrite", "overwrite");
            SteeringVector v = VectorExtraction.fromJson(model, body);
            entry = library.put(name, v, overwrite != null && overwrite);
        } else {
            String name = ctx.queryParam("name");
            if (name == null) throw ApiException.invalid("name", "missing_parameter", "a GGUF upload needs the vector's name: POST /v1/vectors?name=NAME");
            VectorLibrary.checkName(name, "name");
            boolean overwrite = "true".equalsIgnoreCase(ctx.queryParam("overwrite"));
            byte[] bytes = readBody(ctx, options.maxUploadBytes(), "max_upload_bytes");
            if (bytes.length == 0) throw ApiException.invalid("file", "missing_parameter", "the upload is empty; send the control-vector GGUF as the request body");
            entry = library.putFile(name, bytes, overwrite);
        }
        LOG.info("vector '{}' stored (layers {})", entry.name(), entry.layers());
        json(ctx, 201, vectorObject(entry));
    }

    private Map<String, Object> guardObject() {
        List<Map<String, Object>> ds = new ArrayList<>();
        if (guard != null) {
            for (Detector d : guard.detectors()) {
                Map<String, Object> x = new LinkedHashMap<>();
                x.put("name", d.name());
                x.put("layer", d.layer());
                x.put("threshold", d.threshold());
                x.put("policy", d.policy().apiName());
                ds.add(x);
            }
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", guard != null);
        m.put("detectors", ds);
        return m;
    }

    // ------------------------------------------------------------------ plumbing

    private JsonNode readJson(Context ctx) throws IOException {
        byte[] b = readBody(ctx, options.maxBodyBytes(), "max_body_bytes");
        if (b.length == 0) throw ApiException.invalid(null, "invalid_json", "the request body is empty; expected a JSON object");
        try {
            return JSON.readTree(b);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ApiException.invalid(null, "invalid_json", "the request body is not valid JSON: " + e.getOriginalMessage() + where);
        }
    }

    /** The body, refused with 413 (naming the limit) beyond {@code limit} bytes, whether or not Content-Length says so. */
    private static byte[] readBody(Context ctx, long limit, String limitName) throws IOException {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit)
            throw new ApiException(413, "the request body is " + declared + " bytes, over the limit of " + limit + " bytes (" + limitName + ")",
                    "invalid_request_error", null, "body_too_large");
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.max(0, Math.min(declared, limit)));
        byte[] buf = new byte[8192];
        long total = 0;
        try (InputStream in = ctx.req().getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                total += n;
                if (total > limit)
                    throw new ApiException(413, "the request body is over the limit of " + limit + " bytes (" + limitName + ")",
                            "invalid_request_error", null, "body_too_large");
                out.write(buf, 0, n);
            }
        }
        return out.toByteArray();
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status);
        ctx.contentType("application/json");
        try {
            ctx.result(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void error(Context ctx, ApiException e) {
        if (e.retryAfterSeconds() != null) ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds()));
        if (e.status() >= 500) LOG.warn("{} {} -> {}: {}", ctx.method(), ctx.path(), e.status(), e.getMessage());
        json(ctx, e.status(), e.body());
    }

    /** The model file's name without {@code .gguf} (general.name is often just the architecture). */
    private static String modelId(Model m) {
        if (m.file() != null && m.file().path() != null) {
            String f = m.file().path().getFileName().toString();
            return f.endsWith(".gguf") ? f.substring(0, f.length() - 5) : f;
        }
        String n = m.config().name();
        return n == null || n.isBlank() ? "model" : n;
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }

    private static byte[] resource(String path) {
        try (InputStream in = Steer4jServer.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path + " (broken build?)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
