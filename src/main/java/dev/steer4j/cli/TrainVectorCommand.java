package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.DatasetFormat;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.train.AdamW;
import dev.steer4j.train.CompletionPair;
import dev.steer4j.train.HeldOutSplit;
import dev.steer4j.train.TrainingCheckpoint;
import dev.steer4j.train.VectorComparison;
import dev.steer4j.train.VectorTrainer;
import dev.steer4j.train.grad.Param;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steer4j train-vector}: a steering vector optimised by gradient descent (BiPO) on contrastive pairs. */
@Command(name = "train-vector", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a steering vector by gradient descent on contrastive pairs (BiPO, Cao et al. 2024).",
                "Each pair is split into a shared prompt and two completions at its longest common token prefix; +v must "
                        + "raise log p(positive completion) over log p(negative completion) and -v the reverse. The vector "
                        + "is added at blocks.LAYER.hook_resid_post at every position and kept within --norm-budget. "
                        + "Then the trained vector is compared with the mean-difference vector of the same training pairs "
                        + "on the held-out pairs: behaviour shift and KL tax on neutral text."})
public final class TrainVectorCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-d", "--data"}, paramLabel = "PAIRS",
            description = "Contrastive pairs (pairs JSONL or CAA A/B JSON; default: the bundled happy/sad pairs)")
    Path data;

    @Option(names = "--format", paramLabel = "FORMAT", description = "Dataset format: pairs or caa (default: pairs)")
    String format;

    @Option(names = {"-l", "--layer"}, paramLabel = "L", description = "Block whose resid_post the vector is added to (default: the middle block)")
    Integer layer;

    @Option(names = "--steps", defaultValue = "40", paramLabel = "N", description = "Optimiser steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Pairs per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.05", paramLabel = "RATE", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--beta", defaultValue = "1.0", paramLabel = "B", description = "BiPO temperature beta (default: ${DEFAULT-VALUE})")
    double beta;

    @Option(names = "--norm-budget", defaultValue = "4.0", paramLabel = "R", description = "Largest L2 norm the vector may reach (default: ${DEFAULT-VALUE})")
    double normBudget;

    @Option(names = "--held-out", defaultValue = "0.25", paramLabel = "FRACTION", description = "Share of pairs kept out of training for the comparison (default: ${DEFAULT-VALUE})")
    double heldOut;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the split and of the pairs drawn each step (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "Write the vector: .gguf (llama.cpp control vector) or .json")
    Path output;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "Checkpoint after every step (default: OUTPUT.ckpt.json)")
    Path checkpoint;

    @Option(names = "--resume", description = "Continue from the checkpoint (same settings required)")
    boolean resume;

    @Option(names = "--no-compare", description = "Skip the comparison with mean difference")
    boolean noCompare;

    @Option(names = "--json", description = "Print the result as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!name.endsWith(".gguf") && !name.endsWith(".json"))
            throw new IllegalArgumentException("output " + output + " must end in .gguf (llama.cpp control vector) or .json");
        if (!(heldOut >= 0 && heldOut < 1)) throw new IllegalArgumentException("--held-out must be in [0, 1), got " + heldOut);
        ContrastiveDataset ds = data == null ? Datasets.happySad()
                : Datasets.load(format == null ? DatasetFormat.PAIRS : DatasetFormat.parse(format), data, null, null);
        try (Model m = model.load()) {
            int n = m.config().layers();
            int l = layer != null ? LayerListConverter.index(layer, n, "--layer") : n / 2;
            if (name.endsWith(".gguf") && l == 0)
                throw new IllegalArgumentException("layer 0 cannot be written to a llama.cpp control vector (direction.0 is invalid); choose a layer from 1, or write .json");
            List<CompletionPair> all = CompletionPair.of(m, ds);
            HeldOutSplit split = HeldOutSplit.of(all.size(), heldOut, seed, ds.name() + " has " + all.size() + " pairs");
            List<Integer> trainIdx = split.train();
            List<CompletionPair> train = split.trainOf(all), held = split.heldOutOf(all);

            VectorTrainer.Options o = new VectorTrainer.Options(l, steps, batch, lr, beta, normBudget, seed);
            VectorTrainer trainer = new VectorTrainer(m, o);
            Param v = trainer.newVector();
            AdamW opt = trainer.newOptimiser(v);
            Path ckpt = checkpoint != null ? checkpoint : output.resolveSibling(output.getFileName() + ".ckpt.json");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("model", m.config().name());
            settings.put("dataset_sha256", ds.sha256());
            settings.put("layer", Integer.toString(l));
            settings.put("batch", Integer.toString(batch));
            settings.put("lr", Double.toString(lr));
            settings.put("beta", Double.toString(beta));
            settings.put("norm_budget", Double.toString(normBudget));
            settings.put("held_out", Double.toString(heldOut));
            settings.put("seed", Long.toString(seed));
            if (resume) {
                if (!Files.exists(ckpt)) throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
                TrainingCheckpoint.resume(ckpt, settings, v, opt);
                System.err.printf(Locale.ROOT, "train-vector: resumed %s at step %d of %d%n", ckpt, opt.steps(), steps);
            }
            if (!json) System.err.printf(Locale.ROOT, "train-vector: bipo on %s (%d train / %d held-out pairs), layer %d, %d steps x %d pairs, model %s%n",
                    ds.name(), train.size(), held.size(), l, steps, batch, m.config().name());
            ProgressBar bar = new ProgressBar("train", "steps");
            long[] tokens = {0};
            double[] seconds = {0}, lastLoss = {Double.NaN};
            SteeringVector trained = trainer.train(train, v, opt, (s, p, optimiser) -> {
                tokens[0] += s.tokens();
                seconds[0] += s.seconds();
                lastLoss[0] = s.loss();
                TrainingCheckpoint.write(ckpt, settings, p, optimiser);
                bar.update(s.step(), steps, String.format(Locale.ROOT, "loss %.4f |grad| %.3f |v| %.3f", s.loss(), s.gradNorm(), s.vectorNorm()));
            });
            bar.close();
            trained = trained.withMetadata(new dev.steer4j.steer.VectorMetadata("bipo", "resid_post", "all", ds.name(), ds.sha256(),
                    m.config().name(), trained.metadata().extra()));
            VectorFiles.write(output, trained);
            double tps = seconds[0] > 0 ? tokens[0] / seconds[0] : Double.NaN;

            List<VectorComparison.Row> rows = List.of();
            if (!noCompare && !held.isEmpty()) {
                List<String> pos = new ArrayList<>(), neg = new ArrayList<>();
                for (int i : trainIdx) { pos.add(ds.positives().get(i).text()); neg.add(ds.negatives().get(i).text()); }
                rows = VectorComparison.compare(m, ContrastiveDataset.ofPairs(ds.name() + "-train", pos, neg), held, trained, l, 1.0);
            }
            if (json) printJson(out, trained, l, tps, lastLoss[0], rows, opt.steps());
            else {
                out.printf(Locale.ROOT, "trained %d steps, final loss %.4f, |v| %.3f, %.0f tokens/s forward+backward%n",
                        opt.steps(), lastLoss[0], SteeringVector.norm(trained.get(l)), tps);
                if (!rows.isEmpty()) {
                    out.printf(Locale.ROOT, "held-out pairs: %d; margin = mean log p(positive) - log p(negative); tax on the bundled neutral text%n", held.size());
                    out.printf(Locale.ROOT, "%-30s %7s %9s %8s %9s %8s%n", "vector", "norm", "margin", "shift", "mean KL", "ppl");
                    for (VectorComparison.Row r : rows)
                        out.printf(Locale.ROOT, "%-30s %7.3f %9.4f %+8.4f %9.5f %8.3f%n", r.vector(), r.norm(), r.heldOutMargin(), r.shift(), r.meanKl(), r.perplexity());
                }
                out.println("wrote " + output + " (checkpoint " + ckpt + ")");
            }
        }
        return 0;
    }

    private void printJson(PrintStream out, SteeringVector v, int l, double tps, double loss, List<VectorComparison.Row> rows, long stepsDone) throws Exception {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("output", output.toString());
        root.put("layer", l);
        root.put("steps", stepsDone);
        root.put("final_loss", loss);
        root.put("norm", SteeringVector.norm(v.get(l)));
        root.put("tokens_per_second", tps);
        ArrayNode a = root.putArray("comparison");
        for (VectorComparison.Row r : rows) {
            ObjectNode o = a.addObject();
            o.put("vector", r.vector());
            o.put("norm", r.norm());
            o.put("held_out_margin", r.heldOutMargin());
            o.put("shift", r.shift());
            o.put("mean_kl", r.meanKl());
            o.put("perplexity", r.perplexity());
        }
        out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}
