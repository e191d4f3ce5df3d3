package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.read.ConceptDetection;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookSite;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steer4j detect}: AxBench-style concept detection, the AUROC of projection scores per layer. */
@Command(name = "detect", mixinStandardHelpOptions = true,
        description = "Concept detection: how well the projection on the vector separates two labelled prompt sets, as the AUROC per layer (1 = perfect, 0.5 = chance).")
public final class DetectCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin VectorOption vector;

    @Option(names = "--positive", required = true, paramLabel = "FILE", description = "Prompts with the concept (.txt one per line, .jsonl, .json)")
    Path positive;

    @Option(names = "--negative", required = true, paramLabel = "FILE", description = "Prompts without it")
    Path negative;

    @Option(names = "--site", paramLabel = "SITE", defaultValue = "resid_post", converter = HookSiteConverter.class,
            description = "Hook site read in each layer: resid_pre, attn_out, resid_mid, mlp_out or resid_post (hook_resid_post and blocks.L.hook_resid_post also accepted; default: ${DEFAULT-VALUE})")
    HookSite site;

    @Option(names = "--aggregate", paramLabel = "HOW", defaultValue = "mean", description = "Per-prompt score: mean (over tokens, BOS excluded), last or max (default: ${DEFAULT-VALUE})")
    String aggregate;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Override
    public Integer call() {
        HookSite s = site;
        ConceptDetection.Aggregate agg;
        try {
            agg = ConceptDetection.Aggregate.valueOf(aggregate.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--aggregate must be mean, last or max, not '" + aggregate + "'");
        }
        List<String> pos = PromptFile.readAll(positive), neg = PromptFile.readAll(negative);
        try (Model m = model.load()) {
            var v = vector.load(m);
            Map<Integer, ConceptDetection.LayerResult> r = ConceptDetection.evaluate(new ForwardPass(m), v, s, pos, neg, agg, dev.steer4j.read.Progress.NONE);
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("vector", vector.vector.toString());
                o.put("site", s.suffix);
                o.put("aggregate", agg.name().toLowerCase(Locale.ROOT));
                o.put("positive", pos.size());
                o.put("negative", neg.size());
                ArrayNode a = o.putArray("layers");
                for (var e : r.values()) {
                    ObjectNode x = a.addObject();
                    x.put("layer", e.layer());
                    x.put("auroc", e.auroc());
                    x.putPOJO("positive_scores", e.positiveScores());
                    x.putPOJO("negative_scores", e.negativeScores());
                }
                System.out.println(o.toPrettyString());
            } else {
                System.out.printf("concept detection: %d positive, %d negative prompts; %s score at %s%n", pos.size(), neg.size(), agg.name().toLowerCase(Locale.ROOT), s.suffix);
                System.out.printf("%5s %7s %12s %12s%n", "layer", "AUROC", "mean(pos)", "mean(neg)");
                for (var e : r.values())
                    System.out.printf("%5d %7.3f %12.4f %12.4f%n", e.layer(), e.auroc(), mean(e.positiveScores()), mean(e.negativeScores()));
            }
        }
        return 0;
    }

    private static double mean(double[] d) {
        double s = 0;
        for (double x : d) s += x;
        return s / d.length;
    }
}
