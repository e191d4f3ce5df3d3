package dev.steer4j.cli;

import dev.steer4j.serve.ServeOptions;
import dev.steer4j.serve.Steer4jServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** {@code steer4j serve}: the OpenAI-compatible server with per-request steering, the guard and the playground. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve a model over an OpenAI-compatible HTTP API (/v1/completions, /v1/chat/completions, /v1/models),",
                "with per-request steering, a vector library (/v1/vectors), an inference-time guard, /health, /metrics,",
                "and a web playground at /."})
public final class ServeCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--vectors", paramLabel = "DIR", description = "Vector library directory (default: ~/.steer4j/vectors/MODEL_ID, one library per model)")
    Path vectors;

    @Option(names = "--guard", paramLabel = "guard.json", description = "Guard detectors written by 'steer4j guard calibrate'")
    Path guard;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' on /v1/* (default: env STEER4J_API_KEY, else no key)")
    String apiKey;

    @Option(names = "--chat-template", paramLabel = "FILE", description = "Jinja chat template overriding the model's tokenizer.chat_template")
    Path chatTemplate;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "8", description = "Requests decoded together per forward pass (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "32", description = "Requests that may wait for a batch slot before 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--max-prompt-tokens", paramLabel = "N", defaultValue = "4096", description = "Longest prompt accepted (default: ${DEFAULT-VALUE}, capped by the context length)")
    int maxPromptTokens;

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N", defaultValue = "256",
            description = "max_tokens of a chat request that sets none, as llama-server's -n (default: ${DEFAULT-VALUE}; completions keep OpenAI's 16)")
    int nPredict;

    @Option(names = "--steer", paramLabel = "NAME:COEF[:LAYERS]",
            description = "Steer every request on the base model with library vector NAME (repeatable), as llama-server's --control-vector-scaled; e.g. happy:1.5:2-4")
    java.util.List<String> steer = new java.util.ArrayList<>();

    @Option(names = "--alias", paramLabel = "ID=NAME:COEF[:LAYERS][,...]",
            description = "Publish a steered variant as model ID in /v1/models (repeatable), so a stock client picks it by name; e.g. stories260K+happy=happy:1.5")
    java.util.List<String> alias = new java.util.ArrayList<>();

    @Option(names = "--reft", paramLabel = "NAME=FILE",
            description = "Offer the LoReFT intervention FILE (written by 'steer4j reft') under NAME (repeatable); a request selects it with \"reft\": \"NAME\"")
    java.util.List<String> reft = new java.util.ArrayList<>();

    @Option(names = "--max-tokens", paramLabel = "N", defaultValue = "2048", description = "Largest max_tokens accepted (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "300", description = "Per-request timeout in seconds, queueing included (default: ${DEFAULT-VALUE})")
    double timeoutSeconds;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "1048576", description = "Largest JSON request body in bytes (default: ${DEFAULT-VALUE})")
    long maxBody;

    @Option(names = "--no-client-steering", description = "Refuse (403) requests that carry steering, ablate, condition or reft, and writes to the vector library: only the guard changes the model")
    boolean noClientSteering;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", description = "Let pages from this origin (e.g. http://localhost:3000, or *) call the API, writes included; repeatable. Default: only the server's own pages")
    java.util.List<String> corsOrigins = new java.util.ArrayList<>();

    @Option(names = "--allowed-host", paramLabel = "NAME", description = "Also answer to this Host name (besides localhost and the bound address; * for any); repeatable. Guards against DNS rebinding")
    java.util.List<String> allowedHosts = new java.util.ArrayList<>();

    @Override
    public Integer call() throws InterruptedException {
        String key = apiKey != null ? apiKey : System.getenv("STEER4J_API_KEY");
        ServeOptions o = ServeOptions.defaults().withHost(host).withPort(port).withApiKey(key).withGuardFile(guard)
                .withChatTemplate(chatTemplate).withMaxBatch(maxBatch).withQueueCapacity(queue).withMaxPromptTokens(maxPromptTokens)
                .withMaxTokens(maxTokens).withRequestTimeout(Duration.ofMillis((long) (timeoutSeconds * 1000))).withMaxBodyBytes(maxBody)
                .withClientSteering(!noClientSteering);
        if (vectors != null) o = o.withVectorsDir(vectors);
        java.util.Map<String, String> aliases = new java.util.LinkedHashMap<>();
        for (String a : alias) {
            int eq = a.indexOf('=');
            if (eq <= 0 || eq == a.length() - 1) throw new IllegalArgumentException("--alias '" + a + "': expected ID=NAME:COEF[:LAYERS], e.g. stories260K+happy=happy:1.5");
            aliases.put(a.substring(0, eq).trim(), a.substring(eq + 1).trim());
        }
        java.util.Map<String, java.nio.file.Path> refts = new java.util.LinkedHashMap<>();
        for (String r : reft) {
            int eq = r.indexOf('=');
            if (eq <= 0 || eq == r.length() - 1) throw new IllegalArgumentException("--reft '" + r + "': expected NAME=FILE, e.g. the-end=the-end.gguf");
            if (refts.put(r.substring(0, eq).trim(), java.nio.file.Path.of(r.substring(eq + 1).trim())) != null)
                throw new IllegalArgumentException("--reft '" + r + "': the name " + r.substring(0, eq).trim() + " is given twice");
        }
        o = o.withDefaultMaxTokens(nPredict).withSteer(steer).withAliases(aliases).withRefts(refts);
        Steer4jServer server = Steer4jServer.start(model.path(), o, new dev.steer4j.serve.BrowserPolicy(corsOrigins, allowedHosts));
        // SIGTERM/SIGINT: refuse new requests, let in-flight ones finish (bounded by the drain timeout), exit 0
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("steer4j: stopping: draining in-flight requests (at most " + Steer4jServer.DRAIN_TIMEOUT.toSeconds() + " s)");
            server.close();
            System.err.println("steer4j: stopped");
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(0);
        }, "steer4j-shutdown"));
        System.out.println("steer4j serving " + server.modelId() + " at " + server.url() + " (playground: " + server.url()
                + ", API: " + server.url() + "v1)");
        System.out.flush();
        server.awaitStop();
        return 0;
    }
}
