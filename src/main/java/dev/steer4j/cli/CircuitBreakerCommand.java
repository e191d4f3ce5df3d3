package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.eval.AlignmentTax;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.train.AdamW;
import dev.steer4j.train.CircuitBreaker;
import dev.steer4j.train.CircuitBreakerEval;
import dev.steer4j.train.EditedModelWriter;
import dev.steer4j.train.HeldOutSplit;
import dev.steer4j.train.Lora;
import dev.steer4j.train.LoraAdapterFile;
import dev.steer4j.train.LoraMerge;
import dev.steer4j.train.Perplexity;
import dev.steer4j.train.TextCorpus;
import dev.steer4j.train.TrainingCheckpoint;
import dev.steer4j.util.LayerList;
import dev.steer4j.util.SafeText;
import dev.steer4j.util.Sha256;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/** {@code steer4j circuit-breaker}: LoRA trained by representation rerouting (Zou et al. 2024), merged or as an adapter. */
@Command(name = "circuit-breaker", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train circuit breakers by Representation Rerouting (Zou et al. 2024): LoRA weights on --layers such "
                + "that, at --target-layers, the representations of the harmful texts turn orthogonal to the original "
                + "model's (loss ReLU(cos)), while those of the harmless texts stay where they were (loss L2 distance), "
                + "with the paper's schedule c_s = alpha(1 - t/2T), c_r = alpha t/2T. Each training text is a prompt "
                + "followed by the original model's greedy continuation (the 'harmful generation' to break). Writes the "
                + "merged model (-o) and/or a llama.cpp LoRA adapter (--adapter), then reports on held-out prompts, "
                + "before and after: representation cosine and distance, log p of the original continuation, how much "
                + "of it greedy decoding still produces, next-token KL, and perplexity on neutral text.",
                "Prompt files: one per line (# starts a comment), or a JSON list of strings or of objects with "
                        + "\"instruction\" (the refusal_direction splits)."})
public final class CircuitBreakerCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = "--harmful", paramLabel = "FILE", description = "Prompts whose representations are rerouted (default: the bundled danger_prompts.txt)")
    Path harmful;

    @Option(names = "--harmless", paramLabel = "FILE", description = "Prompts whose representations are retained (default: the bundled everyday_prompts.txt)")
    Path harmless;

    @Option(names = "--target-layers", paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Blocks whose output the rerouting loss reads (default: the block at 2/3 of the depth, like the paper's layer 20 of 32)")
    LayerList targetLayers;

    @Option(names = "--retain-layers", paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Blocks whose output the retain loss reads (default: 0 to the last target layer, as the paper's code retains every hidden state)")
    LayerList retainLayers;

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class,
            description = "Blocks that get LoRA weights (default: 0 to the last target layer)")
    LayerList layers;

    @Option(names = "--weights", defaultValue = "attn_q,attn_k,attn_v,attn_output,ffn_gate,ffn_up,ffn_down", split = ",", paramLabel = "NAMES",
            description = "Matrices adapted in each LoRA block (default: all seven)")
    List<String> weights;

    @Option(names = "--lora-rank", defaultValue = "4", paramLabel = "R", description = "LoRA rank (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--lora-alpha", defaultValue = "8", paramLabel = "A", description = "LoRA alpha; B·A is scaled by alpha/rank (default: ${DEFAULT-VALUE})")
    double loraAlpha;

    @Option(names = "--lora-init-b", defaultValue = "0.001", paramLabel = "STD",
            description = "Std of B's random init (default: ${DEFAULT-VALUE}; at B = 0 the rerouting loss sits at cos = 1 where its gradient is exactly zero)")
    double initB;

    @Option(names = "--alpha", defaultValue = "10", paramLabel = "A", description = "alpha of the loss schedule (default: ${DEFAULT-VALUE}, as the paper)")
    double alpha;

    @Option(names = "--steps", defaultValue = "100", paramLabel = "N", description = "Optimiser steps T (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Harmful and harmless texts per step, each (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.002", paramLabel = "RATE", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--continuation", defaultValue = "16", paramLabel = "N", description = "Tokens of the original model's greedy continuation after each prompt (default: ${DEFAULT-VALUE})")
    int continuation;

    @Option(names = "--eval-tokens", defaultValue = "16", paramLabel = "N", description = "Tokens of the original continuation the report scores (default: ${DEFAULT-VALUE})")
    int evalTokens;

    @Option(names = "--max-tokens", defaultValue = "64", paramLabel = "N", description = "Tokens per prompt at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--held-out", defaultValue = "0.25", paramLabel = "FRACTION", description = "Share of each prompt set kept out of training for the report (default: ${DEFAULT-VALUE})")
    double heldOut;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the LoRA init, the split and the sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.gguf", description = "Write the merged model (W + alpha/rank B·A as F32)")
    Path output;

    @Option(names = "--adapter", paramLabel = "FILE.gguf", description = "Write the LoRA adapter in llama.cpp's layout (llama-cli --lora FILE)")
    Path adapter;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Checkpoint after every step (default: OUTPUT.ckpt.json, else ADAPTER.ckpt.json)")
    Path checkpoint;

    @Option(names = "--resume", description = "Continue from the checkpoint (same settings required)")
    boolean resume;

    @Option(names = "--pause-after", paramLabel = "N", description = "Stop after step N, leaving the checkpoint for --resume and writing nothing else")
    Integer pauseAfter;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (output == null && adapter == null) throw new IllegalArgumentException("nothing to write: give -o FILE.gguf (merged model) and/or --adapter FILE.gguf (LoRA adapter)");
        for (Path p : new Path[]{output, adapter})
            if (p != null && !p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
                throw new IllegalArgumentException("output " + p + " must end in .gguf");
        if (output != null && output.equals(adapter)) throw new IllegalArgumentException("-o and --adapter name the same file " + output);
        if (!(heldOut > 0 && heldOut < 1)) throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOut);
        if (evalTokens <= 0) throw new IllegalArgumentException("--eval-tokens must be positive, got " + evalTokens);
        if (continuation < 0) throw new IllegalArgumentException("--continuation must be 0 or more, got " + continuation);
        if (pauseAfter != null && pauseAfter <= 0) throw new IllegalArgumentException("--pause-after must be positive, got " + pauseAfter);
        String harmfulText = read(harmful, "danger_prompts.txt"), harmlessText = read(harmless, "everyday_prompts.txt");
        List<String> harmfulDocs = prompts(harmfulText, harmful, "danger_prompts.txt"), harmlessDocs = prompts(harmlessText, harmless, "everyday_prompts.txt");
        try (Model m = model.load()) {
            int n = m.config().layers();
            int[] targets = targetLayers != null ? targetLayers.resolve(n) : new int[]{2 * n / 3};
            if (targets.length == 0) throw new IllegalArgumentException("--target-layers selects no block of 0-" + (n - 1));
            int lastTarget = Arrays.stream(targets).max().getAsInt();
            int[] loraLayers = layers != null ? layers.resolve(n) : IntStream.rangeClosed(0, lastTarget).toArray();
            int[] retained = retainLayers != null ? retainLayers.resolve(n) : CircuitBreaker.Options.allUpTo(targets);
            List<int[]> harm = TextCorpus.tokens(m, harmfulDocs, maxTokens), ok = TextCorpus.tokens(m, harmlessDocs, maxTokens);
            HeldOutSplit harmSplit = HeldOutSplit.of(harm.size(), heldOut, seed, "the harmful prompts are " + harm.size());
            HeldOutSplit okSplit = HeldOutSplit.of(ok.size(), heldOut, seed, "the harmless prompts are " + ok.size());
            List<int[]> harmTrain = CircuitBreakerEval.withContinuations(m, harmSplit.trainOf(harm), continuation);
            List<int[]> okTrain = CircuitBreakerEval.withContinuations(m, okSplit.trainOf(ok), continuation);

            Lora lora = new Lora(m, loraLayers, weights, rank, loraAlpha, seed);
            lora.randomizeB(initB, seed + 1);
            CircuitBreaker cb = new CircuitBreaker(m, lora, new CircuitBreaker.Options(targets, retained, alpha, steps, batch, seed));
            AdamW opt = new AdamW(lora.params(), AdamW.Settings.defaults(lr));
            Path main = output != null ? output : adapter;
            Path ckpt = checkpoint != null ? checkpoint : main.resolveSibling(main.getFileName() + ".ckpt.json");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("model", m.config().name());
            settings.put("harmful_sha256", Sha256.hex(Sha256.of(harmfulText.getBytes(StandardCharsets.UTF_8))));
            settings.put("harmless_sha256", Sha256.hex(Sha256.of(harmlessText.getBytes(StandardCharsets.UTF_8))));
            settings.put("layers", join(loraLayers));
            settings.put("weights", String.join(",", weights));
            settings.put("lora_rank", Integer.toString(rank));
            settings.put("lora_alpha", Double.toString(loraAlpha));
            settings.put("lora_init_b", Double.toString(initB));
            settings.put("target_layers", join(targets));
            settings.put("retain_layers", join(retained));
            settings.put("alpha", Double.toString(alpha));
            settings.put("steps", Integer.toString(steps)); // the schedule depends on T
            settings.put("batch", Integer.toString(batch));
            settings.put("lr", Double.toString(lr));
            settings.put("continuation", Integer.toString(continuation));
            settings.put("max_tokens", Integer.toString(maxTokens));
            settings.put("held_out", Double.toString(heldOut));
            settings.put("seed", Long.toString(seed));
            if (resume) {
                if (!Files.exists(ckpt)) throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
                TrainingCheckpoint.resume(ckpt, settings, lora.params(), opt);
                System.err.printf(Locale.ROOT, "circuit-breaker: resumed %s at step %d of %d%n", ckpt, opt.steps(), steps);
            }
            if (!json) System.err.printf(Locale.ROOT, "circuit-breaker: %d/%d harmful and %d/%d harmless prompts (train/held-out), LoRA rank %d alpha %s on %s of blocks %s, reroute at %s, retain at %s, %d steps x %d, model %s%n",
                    harmTrain.size(), harmSplit.heldOut().size(), okTrain.size(), okSplit.heldOut().size(), rank, fmt(loraAlpha),
                    weights.size() == Lora.WEIGHTS.size() ? "all weights" : String.join(",", weights), join(loraLayers), join(targets), join(retained), steps, batch, m.config().name());

            ProgressBar bar = new ProgressBar("train", "steps");
            long[] tokens = {0};
            double[] secs = {0};
            int stopAt = pauseAfter != null ? Math.min(pauseAfter, steps) : steps;
            boolean paused = false;
            try {
                cb.train(harmTrain, okTrain, opt, s -> {
                    tokens[0] += s.tokens();
                    secs[0] += s.seconds();
                    TrainingCheckpoint.write(ckpt, settings, lora.params(), opt);
                    bar.update(s.step(), steps, String.format(Locale.ROOT, "loss %.3f cos %.3f dist %.3f c_s %.2f c_r %.2f",
                            s.loss(), s.rerouteCosine(), s.retainDistance(), s.cs(), s.cr()));
                    if (s.step() >= stopAt && stopAt < steps) throw new Paused();
                });
            } catch (Paused p) {
                paused = true;
            }
            bar.close();
            if (paused) {
                out.printf(Locale.ROOT, "paused after step %d of %d; continue with --resume (checkpoint %s)%n", opt.steps(), steps, ckpt);
                return 0;
            }
            double tps = secs[0] > 0 ? tokens[0] / secs[0] : Double.NaN;

            Map<String, String> meta = Map.of("steer4j.edit.method", "circuit-breaker", "steer4j.edit.target_layers", join(targets),
                    "steer4j.edit.harmful", harmful == null ? "bundled danger_prompts.txt" : harmful.getFileName().toString());
            if (adapter != null) LoraAdapterFile.write(lora, m, adapter, m.config().name() + " circuit-breaker LoRA", meta);
            if (output != null) EditedModelWriter.write(m, lora.merged(m), output, m.config().name() + " (circuit-breaker)", meta);

            List<int[]> harmHeld = harmSplit.heldOutOf(harm), okHeld = okSplit.heldOutOf(ok);
            List<int[]> neutral = TextCorpus.tokens(m, TextCorpus.parse(AlignmentTax.defaultCorpus(), "neutral.txt"), 128);
            try (Model merged = output != null ? Model.load(output) : LoraMerge.merge(m, lora)) {
                CircuitBreakerEval.Result rh = CircuitBreakerEval.measure(cb, m, merged, harmHeld, evalTokens);
                CircuitBreakerEval.Result rk = CircuitBreakerEval.measure(cb, m, merged, okHeld, evalTokens);
                double pplBefore = Perplexity.of(new ForwardPass(m), neutral), pplAfter = Perplexity.of(new ForwardPass(merged), neutral);
                String exHarm = harmfulDocs.get(harmSplit.heldOut().get(0)), exOk = harmlessDocs.get(okSplit.heldOut().get(0));
                CircuitBreakerEval.Example eh = CircuitBreakerEval.example(m, merged, exHarm, evalTokens);
                CircuitBreakerEval.Example ek = CircuitBreakerEval.example(m, merged, exOk, evalTokens);
                if (json) printJson(out, opt.steps(), tps, targets, rh, rk, pplBefore, pplAfter, eh, ek);
                else {
                    out.printf(Locale.ROOT, "trained %d steps, %.0f tokens/s forward+backward%n", opt.steps(), tps);
                    out.printf(Locale.ROOT, "held-out prompts: %d harmful, %d harmless; continuation = the original model's greedy %d tokens%n",
                            rh.prompts(), rk.prompts(), evalTokens);
                    out.printf(Locale.ROOT, "%-36s %9s %9s %9s %9s%n", "", "harmful", "", "harmless", "");
                    out.printf(Locale.ROOT, "%-36s %9s %9s %9s %9s%n", "", "before", "after", "before", "after");
                    out.printf(Locale.ROOT, "%-36s %9.3f %9.3f %9.3f %9.3f%n", "cos(h, h_orig) at blocks " + join(targets), 1.0, rh.cosine(), 1.0, rk.cosine());
                    out.printf(Locale.ROOT, "%-36s %9.3f %9.3f %9.3f %9.3f%n", "|h - h_orig| at blocks " + join(targets), 0.0, rh.distance(), 0.0, rk.distance());
                    out.printf(Locale.ROOT, "%-36s %9.3f %9.3f %9.3f %9.3f%n", "log p(continuation) per token", rh.logpBefore(), rh.logpAfter(), rk.logpBefore(), rk.logpAfter());
                    out.printf(Locale.ROOT, "%-36s %8.0f%% %8.0f%% %8.0f%% %8.0f%%%n", "continuation kept by greedy decoding", 100.0, 100 * rh.kept(), 100.0, 100 * rk.kept());
                    out.printf(Locale.ROOT, "%-36s %9.3f %9.3f %9.3f %9.3f%n", "next-token KL to the original (nats)", 0.0, rh.meanKl(), 0.0, rk.meanKl());
                    out.printf(Locale.ROOT, "neutral-text perplexity %.3f -> %.3f%n", pplBefore, pplAfter);
                    for (CircuitBreakerEval.Example e : List.of(eh, ek)) {
                        out.printf(Locale.ROOT, "%s%n  before: %s%n  after:  %s%n", e.prompt(), SafeText.of(e.before()), SafeText.of(e.after()));
                    }
                    if (output != null) out.println("wrote " + output + " (merged model)");
                    if (adapter != null) out.println("wrote " + adapter + " (LoRA adapter: llama-cli -m MODEL --lora " + adapter.getFileName() + ")");
                }
            }
        }
        return 0;
    }

    /** Thrown from the step listener to stop at --pause-after; the checkpoint of that step is already written. */
    private static final class Paused extends RuntimeException {
        Paused() { super(null, null, false, false); }
    }

    private void printJson(PrintStream out, long stepsDone, double tps, int[] targets, CircuitBreakerEval.Result rh, CircuitBreakerEval.Result rk,
                           double pplBefore, double pplAfter, CircuitBreakerEval.Example eh, CircuitBreakerEval.Example ek) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode o = om.createObjectNode();
        if (output != null) o.put("output", output.toString());
        if (adapter != null) o.put("adapter", adapter.toString());
        o.put("steps", stepsDone);
        o.put("tokens_per_second", tps);
        o.put("target_layers", join(targets));
        result(o.putObject("harmful"), rh);
        result(o.putObject("harmless"), rk);
        o.put("neutral_perplexity_before", pplBefore);
        o.put("neutral_perplexity_after", pplAfter);
        var ex = o.putArray("examples");
        for (CircuitBreakerEval.Example e : List.of(eh, ek)) ex.addObject().put("prompt", e.prompt()).put("before", e.before()).put("after", e.after());
        out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(o));
    }

    private static void result(ObjectNode o, CircuitBreakerEval.Result r) {
        o.put("prompts", r.prompts());
        o.put("cosine", r.cosine());
        o.put("distance", r.distance());
        o.put("continuation_logp_before", r.logpBefore());
        o.put("continuation_logp_after", r.logpAfter());
        o.put("continuation_kept", r.kept());
        o.put("mean_kl", r.meanKl());
    }

    private static String read(Path file, String bundled) throws IOException {
        if (file != null) {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException("no such prompt file: " + file);
            return Files.readString(file, StandardCharsets.UTF_8);
        }
        try (InputStream in = CircuitBreakerCommand.class.getClassLoader().getResourceAsStream("steer4j/data/" + bundled)) {
            if (in == null) throw new IllegalStateException("missing resource steer4j/data/" + bundled);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** One prompt per line, or a JSON list of strings / objects with "instruction" (or "prompt"). */
    static List<String> prompts(String text, Path file, String bundled) {
        String label = file != null ? file.toString() : bundled;
        if (file == null || !file.toString().toLowerCase(Locale.ROOT).endsWith(".json")) return TextCorpus.parse(text, label);
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(label + ": not valid JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.isArray()) throw new IllegalArgumentException(label + ": expected a JSON list of prompts");
        List<String> out = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode e = root.get(i);
            JsonNode t = e.isTextual() ? e : e.has("instruction") ? e.get("instruction") : e.get("prompt");
            if (t == null || !t.isTextual())
                throw new IllegalArgumentException(label + ": item " + i + " is neither a string nor an object with \"instruction\" or \"prompt\"");
            out.add(t.asText());
        }
        if (out.isEmpty()) throw new IllegalArgumentException(label + ": no prompts");
        return out;
    }

    private static String join(int[] layers) { return Arrays.stream(layers).mapToObj(Integer::toString).collect(Collectors.joining(",")); }

    private static String fmt(double d) { return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d); }
}
