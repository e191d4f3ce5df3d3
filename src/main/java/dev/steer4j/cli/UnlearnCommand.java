package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.model.hf.HfEditedDirectory;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.train.AdamW;
import dev.steer4j.train.EditedModelWriter;
import dev.steer4j.train.Perplexity;
import dev.steer4j.train.RmuUnlearner;
import dev.steer4j.train.TextCorpus;
import dev.steer4j.train.TrainingCheckpoint;
import dev.steer4j.train.WeightEdits;
import dev.steer4j.train.grad.Param;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/** {@code steer4j unlearn}: edits a model's MLP weights so that it forgets a corpus (RMU) and writes the edited model. */
@Command(name = "unlearn", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Unlearn a corpus by Representation Misdirection (RMU; Li et al. 2024, the WMDP paper).",
                "Trains the MLP weights of blocks LAYER-2..LAYER so that activations after block LAYER on the forget corpus "
                        + "move towards STEERING-COEFF times a random unit vector, while on the retain corpus they stay where the "
                        + "original model puts them (weighted by ALPHA). Writes the edited model and reports forget- and "
                        + "retain-corpus perplexity on held-out documents before and after, with the activation-norm change.",
                "Corpora: one document per line (# starts a comment). Without --forget/--retain it uses the bundled demo "
                        + "corpora: stories about dogs (forget) and stories without dogs (retain), sampled from stories260K."})
public final class UnlearnCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = "--method", defaultValue = "rmu", paramLabel = "METHOD", description = "Unlearning method (rmu)")
    String method;

    @Option(names = "--forget", paramLabel = "FILE", description = "Documents to forget, one per line (default: the bundled dog stories)")
    Path forget;

    @Option(names = "--retain", paramLabel = "FILE", description = "Documents to keep, one per line (default: the bundled stories without dogs)")
    Path retain;

    @Option(names = {"-l", "--layer"}, paramLabel = "L", description = "Block whose output is steered (default: the middle block)")
    Integer layer;

    @Option(names = "--weights", defaultValue = "ffn_down", split = ",", paramLabel = "NAMES",
            description = "Matrices trained in blocks LAYER-2..LAYER (default: ${DEFAULT-VALUE}; any of ffn_gate, ffn_up, ffn_down)")
    List<String> weights;

    @Option(names = "--steering-coeff", paramLabel = "C", description = "Scale c of the random target (default: 4 x the mean activation norm at LAYER on the retain corpus)")
    Double steeringCoeff;

    @Option(names = "--alpha", defaultValue = "100", paramLabel = "A", description = "Weight of the retain loss (default: ${DEFAULT-VALUE})")
    double alpha;

    @Option(names = "--steps", defaultValue = "300", paramLabel = "N", description = "Optimiser steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "RATE", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--max-tokens", defaultValue = "96", paramLabel = "N", description = "Tokens per document at most (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--held-out", defaultValue = "0.25", paramLabel = "FRACTION", description = "Share of each corpus kept out of training for the report (default: ${DEFAULT-VALUE})")
    double heldOut;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the random target, the split and the sampling (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUTPUT", description = "Where to write the edited model: FILE.gguf, or a directory of safetensors for a Hugging Face input")
    Path output;

    @Option(names = "--resume", description = "Continue from OUTPUT.ckpt.json (same settings required)")
    boolean resume;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (!"rmu".equals(method)) throw new IllegalArgumentException("--method " + method + " is not supported (supported: rmu)");
        if (!(heldOut > 0 && heldOut < 1)) throw new IllegalArgumentException("--held-out must be in (0, 1), got " + heldOut);
        byte[] forgetBytes = forget != null ? corpusBytes("--forget", forget) : TextCorpus.resource(TextCorpus.BUNDLED_FORGET);
        byte[] retainBytes = retain != null ? corpusBytes("--retain", retain) : TextCorpus.resource(TextCorpus.BUNDLED_RETAIN);
        String forgetName = forget != null ? forget.toString() : TextCorpus.BUNDLED_FORGET;
        String retainName = retain != null ? retain.toString() : TextCorpus.BUNDLED_RETAIN;
        List<String> forgetDocs = TextCorpus.parse(forgetName, forgetBytes), retainDocs = TextCorpus.parse(retainName, retainBytes);
        try (Model m = model.load()) {
            boolean hf = HfEditedDirectory.isHf(m);
            if (hf) HfEditedDirectory.checkOutput(m, output);
            else if (!output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
                throw new IllegalArgumentException("output " + output + " must end in .gguf (a Hugging Face input is written as a directory)");
            int n = m.config().layers();
            int l = layer != null ? LayerListConverter.index(layer, n, "--layer") : n / 2;
            int[] update = IntStream.rangeClosed(Math.max(0, l - 2), l).toArray();
            List<int[]> f = TextCorpus.tokens(m, forgetDocs, maxTokens), r = TextCorpus.tokens(m, retainDocs, maxTokens);
            List<int[]> fTrain = new ArrayList<>(), fHeld = new ArrayList<>(), rTrain = new ArrayList<>(), rHeld = new ArrayList<>();
            split(f, fTrain, fHeld);
            split(r, rTrain, rHeld);

            ForwardPass before = new ForwardPass(m);
            WeightEdits edits = new WeightEdits(m, update, weights);
            RmuUnlearner probe = new RmuUnlearner(m, new RmuUnlearner.Options(l, 1, alpha, 1, lr, seed), edits);
            double normForget = probe.meanActivationNorm(fHeld, false), normRetain = probe.meanActivationNorm(rHeld, false);
            double c = steeringCoeff != null ? steeringCoeff : 4 * probe.meanActivationNorm(rTrain, false);
            RmuUnlearner rmu = new RmuUnlearner(m, new RmuUnlearner.Options(l, c, alpha, steps, lr, seed), edits);
            AdamW opt = new AdamW(edits.params(), AdamW.Settings.defaults(lr));
            Path ckpt = output.resolveSibling(output.getFileName() + ".ckpt.json");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("model", m.config().name());
            settings.put("forget_sha256", dev.steer4j.util.Sha256.hex(dev.steer4j.util.Sha256.of(forgetBytes)));
            settings.put("retain_sha256", dev.steer4j.util.Sha256.hex(dev.steer4j.util.Sha256.of(retainBytes)));
            settings.put("layer", Integer.toString(l));
            settings.put("weights", String.join(",", weights));
            settings.put("steering_coeff", Double.toString(c));
            settings.put("alpha", Double.toString(alpha));
            settings.put("lr", Double.toString(lr));
            settings.put("seed", Long.toString(seed));
            if (resume) {
                if (!Files.exists(ckpt)) throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
                TrainingCheckpoint.resume(ckpt, settings, edits.params(), opt);
                System.err.printf(Locale.ROOT, "unlearn: resumed %s at step %d of %d%n", ckpt, opt.steps(), steps);
            }
            if (!json) System.err.printf(Locale.ROOT, "unlearn: rmu, forget %d / retain %d training documents, steer block %d to c = %.2f (|h| on retain %.2f), train %s of blocks %d-%d, alpha %s, model %s%n",
                    fTrain.size(), rTrain.size(), l, c, normRetain, String.join(",", weights), update[0], l, alpha, m.config().name());
            double pplForgetBefore = Perplexity.of(before, fHeld), pplRetainBefore = Perplexity.of(before, rHeld);

            ProgressBar bar = new ProgressBar("unlearn", "steps");
            long[] tokens = {0};
            double[] secs = {0};
            rmu.train(fTrain, rTrain, opt, s -> {
                tokens[0] += s.tokens();
                secs[0] += s.seconds();
                TrainingCheckpoint.write(ckpt, settings, edits.params(), opt);
                bar.update(s.step(), steps, String.format(Locale.ROOT, "forget %.3f retain %.4f |grad| %.3f", s.forgetLoss(), s.retainLoss(), s.gradNorm()));
            });
            bar.close();
            double normForgetAfter = rmu.meanActivationNorm(fHeld, true), normRetainAfter = rmu.meanActivationNorm(rHeld, true);

            Map<String, float[]> replaced = new LinkedHashMap<>();
            for (Param p : edits.params()) replaced.put(p.name, WeightEdits.toFloats(p));
            Map<String, String> provenance = Map.of("steer4j.edit.method", "rmu", "steer4j.edit.forget",
                    Path.of(forgetName).getFileName().toString(), "steer4j.edit.layer", Integer.toString(l));
            String editedName = m.config().name() + " (rmu)";
            if (hf) HfEditedDirectory.write(m, output, tmp -> {
                EditedModelWriter.write(m, replaced, tmp, editedName, provenance);
                return Boolean.FALSE; // RMU edits MLP weights only: the output matrix stays as it was
            }, untied -> untied);
            else EditedModelWriter.write(m, replaced, output, editedName, provenance);
            double pplForgetAfter, pplRetainAfter;
            try (Model edited = Model.load(output)) {
                ForwardPass after = new ForwardPass(edited);
                pplForgetAfter = Perplexity.of(after, fHeld);
                pplRetainAfter = Perplexity.of(after, rHeld);
            }
            double tps = secs[0] > 0 ? tokens[0] / secs[0] : Double.NaN;
            if (json) {
                ObjectMapper om = new ObjectMapper();
                ObjectNode o = om.createObjectNode();
                o.put("output", output.toString());
                o.put("layer", l);
                o.put("steering_coeff", c);
                o.put("steps", opt.steps());
                o.put("forget_perplexity_before", pplForgetBefore);
                o.put("forget_perplexity_after", pplForgetAfter);
                o.put("retain_perplexity_before", pplRetainBefore);
                o.put("retain_perplexity_after", pplRetainAfter);
                o.put("forget_activation_norm_before", normForget);
                o.put("forget_activation_norm_after", normForgetAfter);
                o.put("retain_activation_norm_before", normRetain);
                o.put("retain_activation_norm_after", normRetainAfter);
                o.put("tokens_per_second", tps);
                out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "trained %d steps, %.0f tokens/s forward+backward%n", opt.steps(), tps);
                out.printf(Locale.ROOT, "held-out documents: %d forget, %d retain%n", fHeld.size(), rHeld.size());
                out.printf(Locale.ROOT, "%-28s %10s %10s%n", "", "before", "after");
                out.printf(Locale.ROOT, "%-28s %10.3f %10.3f%n", "forget perplexity", pplForgetBefore, pplForgetAfter);
                out.printf(Locale.ROOT, "%-28s %10.3f %10.3f%n", "retain perplexity", pplRetainBefore, pplRetainAfter);
                out.printf(Locale.ROOT, "%-28s %10.3f %10.3f%n", "|h" + l + "| on forget", normForget, normForgetAfter);
                out.printf(Locale.ROOT, "%-28s %10.3f %10.3f%n", "|h" + l + "| on retain", normRetain, normRetainAfter);
                out.println("wrote " + output);
            }
        }
        return 0;
    }

    private static byte[] corpusBytes(String option, Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException(option + " " + file + ": no such file");
        return Files.readAllBytes(file);
    }

    private void split(List<int[]> all, List<int[]> train, List<int[]> held) {
        dev.steer4j.train.HeldOutSplit s = dev.steer4j.train.HeldOutSplit.of(all.size(), heldOut, seed, "a corpus has " + all.size() + " documents");
        train.addAll(s.trainOf(all));
        held.addAll(s.heldOutOf(all));
    }
}
