package dev.steer4j.serve;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything {@link Steer4jServer} needs besides the model. Start from {@link #defaults()} and change what you need:
 * <pre>{@code
 * ServeOptions o = ServeOptions.defaults().withPort(8080).withVectorsDir(Path.of("vectors"));
 * }</pre>
 *
 * @param host             address to bind (127.0.0.1 by default; the server is local unless you say otherwise)
 * @param port             TCP port; 0 picks a free one (see {@link Steer4jServer#port()})
 * @param apiKey           when non-null, every {@code /v1/*} request needs {@code Authorization: Bearer <key>}
 * @param vectorsDir       the vector library's directory (created when missing); the default one,
 *                         {@code ~/.steer4j/vectors}, holds one sub-directory per served model id
 * @param guardFile        a {@code guard.json} written by {@code steer4j guard calibrate}, or null for no guard
 * @param chatTemplate     a Jinja chat template that overrides the model's {@code tokenizer.chat_template}, or null
 * @param maxBatch         requests decoded together in one forward pass (continuous batching)
 * @param queueCapacity    requests waiting for a batch slot; beyond it the server answers 429 with Retry-After
 * @param maxPromptTokens  longest prompt accepted, in tokens (further capped by the model's context length)
 * @param maxTokens        largest {@code max_tokens} accepted
 * @param requestTimeout   wall-clock limit of one request, queueing included
 * @param maxBodyBytes     largest JSON request body
 * @param maxUploadBytes   largest vector upload (a control-vector GGUF)
 * @param clientSteering   whether clients may change the model: request fields {@code steering}, {@code ablate} and
 *                         {@code condition}, and writes to the vector library. When false those get 403 and only
 *                         the guard's own interventions run (a client could otherwise ablate the refusal direction).
 * @param defaultMaxTokens {@code max_tokens} of a request that sets none (llama-server's {@code -n}); capped by the context
 * @param steer            server-wide steering, {@code NAME:COEF[:LAYERS]} each (library vectors), applied to every request
 *                         on the base model, as llama-server's {@code --control-vector-scaled}
 * @param aliases          model ids published in {@code /v1/models} as steered variants: id to {@code NAME:COEF[:LAYERS][,...]}
 * @param refts            LoReFT interventions ({@code steer4j reft} files) a request selects by name with {@code "reft": "NAME"}
 */
public record ServeOptions(String host, int port, String apiKey, Path vectorsDir, Path guardFile, Path chatTemplate,
                           int maxBatch, int queueCapacity, int maxPromptTokens, int maxTokens,
                           Duration requestTimeout, long maxBodyBytes, long maxUploadBytes, boolean clientSteering,
                           int defaultMaxTokens, java.util.List<String> steer, java.util.Map<String, String> aliases,
                           java.util.Map<String, Path> refts) {

    public ServeOptions {
        if (host == null || host.isBlank()) host = "127.0.0.1";
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0-65535, got " + port);
        if (apiKey != null && apiKey.isEmpty()) apiKey = null;
        if (vectorsDir == null) vectorsDir = defaultVectorsDir();
        if (maxBatch < 1) throw new IllegalArgumentException("max batch must be >= 1, got " + maxBatch);
        if (queueCapacity < 0) throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
        if (maxPromptTokens < 1) throw new IllegalArgumentException("max prompt tokens must be >= 1, got " + maxPromptTokens);
        if (maxTokens < 1) throw new IllegalArgumentException("max tokens must be >= 1, got " + maxTokens);
        if (requestTimeout == null || requestTimeout.isNegative() || requestTimeout.isZero())
            throw new IllegalArgumentException("request timeout must be positive, got " + requestTimeout);
        if (maxBodyBytes < 1024) throw new IllegalArgumentException("max body bytes must be >= 1024, got " + maxBodyBytes);
        if (maxUploadBytes < 1024) throw new IllegalArgumentException("max upload bytes must be >= 1024, got " + maxUploadBytes);
        if (defaultMaxTokens < 1) throw new IllegalArgumentException("default max tokens must be >= 1, got " + defaultMaxTokens);
        steer = steer == null ? java.util.List.of() : java.util.List.copyOf(steer);
        aliases = aliases == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(aliases));
        refts = refts == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(refts));
    }

    /** The options without server-wide steering or aliases, and 256 default tokens. */
    public ServeOptions(String host, int port, String apiKey, Path vectorsDir, Path guardFile, Path chatTemplate,
                        int maxBatch, int queueCapacity, int maxPromptTokens, int maxTokens,
                        Duration requestTimeout, long maxBodyBytes, long maxUploadBytes, boolean clientSteering) {
        this(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens,
                requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, DEFAULT_MAX_TOKENS, null, null, null);
    }

    /** {@code max_tokens} of a request that sets none, unless changed with {@link #withDefaultMaxTokens}. */
    public static final int DEFAULT_MAX_TOKENS = 256;

    /** The embedded default library: {@code ~/.steer4j/vectors}. */
    public static Path defaultVectorsDir() {
        return Path.of(System.getProperty("user.home"), ".steer4j", "vectors");
    }

    /** 127.0.0.1:8080, no key, the default library, batches of 8, 32 waiting, 5-minute timeout, 1 MiB bodies. */
    public static ServeOptions defaults() {
        return new ServeOptions("127.0.0.1", 8080, null, null, null, null, 8, 32, 4096, 2048,
                Duration.ofMinutes(5), 1 << 20, 64L << 20, true);
    }

    public ServeOptions withHost(String h) { return new ServeOptions(h, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withPort(int p) { return new ServeOptions(host, p, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withApiKey(String k) { return new ServeOptions(host, port, k, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withVectorsDir(Path d) { return new ServeOptions(host, port, apiKey, d, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withGuardFile(Path g) { return new ServeOptions(host, port, apiKey, vectorsDir, g, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withChatTemplate(Path t) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, t, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withMaxBatch(int b) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, b, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withQueueCapacity(int q) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, q, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withMaxPromptTokens(int n) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, n, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withMaxTokens(int n) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, n, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withRequestTimeout(Duration d) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, d, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withMaxBodyBytes(long n) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, n, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withClientSteering(boolean c) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, c, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withMaxUploadBytes(long n) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, n, clientSteering, defaultMaxTokens, steer, aliases, refts); }
    public ServeOptions withDefaultMaxTokens(int n) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, n, steer, aliases, refts); }
    public ServeOptions withSteer(java.util.List<String> s) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, s, aliases, refts); }
    public ServeOptions withRefts(java.util.Map<String, Path> r) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, aliases, r); }
    public ServeOptions withAliases(java.util.Map<String, String> a) { return new ServeOptions(host, port, apiKey, vectorsDir, guardFile, chatTemplate, maxBatch, queueCapacity, maxPromptTokens, maxTokens, requestTimeout, maxBodyBytes, maxUploadBytes, clientSteering, defaultMaxTokens, steer, a, refts); }

    /** For logs: never shows the key. */
    @Override
    public String toString() {
        return "ServeOptions[host=" + host + ", port=" + port + ", apiKey=" + (apiKey == null ? "none" : "set") + ", vectorsDir=" + vectorsDir
                + ", guardFile=" + guardFile + ", maxBatch=" + maxBatch + ", queueCapacity=" + queueCapacity + ", maxPromptTokens=" + maxPromptTokens
                + ", maxTokens=" + maxTokens + ", requestTimeout=" + requestTimeout + ", maxBodyBytes=" + maxBodyBytes + ", clientSteering=" + clientSteering
                + ", defaultMaxTokens=" + defaultMaxTokens + ", steer=" + steer + ", aliases=" + aliases + "]";
    }
}
