package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.eval.AlignmentTax;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.ReftFile;
import dev.steer4j.steer.ReftIntervention;
import dev.steer4j.steer.ReftPositions;
import dev.steer4j.steer.Steering;
import dev.steer4j.train.AdamW;
import dev.steer4j.train.Demonstration;
import dev.steer4j.train.HeldOutSplit;
import dev.steer4j.train.ReftTrainer;
import dev.steer4j.train.TextCorpus;
import dev.steer4j.train.TrainingCheckpoint;
import dev.steer4j.util.LayerList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code steer4j reft}: trains a LoReFT intervention on demonstrations and writes it for generate and serve. */
@Command(name = "reft", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a LoReFT intervention (Wu et al. 2024, ReFT: Representation Finetuning).",
                "At blocks.L.hook_resid_post of each layer in LAYERS, at the positions WHICH selects, a row h becomes "
                        + "h + R^T (W h + b - R h) with R (RANK x n_embd, orthonormal rows), W and b trained to raise the "
                        + "likelihood of each demonstration's completion after its prompt; the model stays frozen.",
                "Demonstrations: JSON lines {\"prompt\": \"...\", \"completion\": \"...\"} (default: the bundled demo, "
                        + "40 story openings that should be followed by \" The end.\").",
                "Reports, on held-out prompts, the completion's log-probability, how many greedy continuations are exactly "
                        + "the completion (through the same hooks generate and serve use), and the KL tax on neutral text."})
public final class ReftCommand implements Callable<Integer> {
    static final String BUNDLED = "steer4j/data/reft_the_end.jsonl";

    @Mixin ModelOption model;

    @Option(names = {"-d", "--data"}, paramLabel = "FILE.jsonl", description = "Demonstrations, one {\"prompt\", \"completion\"} object per line (default: the bundled \"The end.\" demo)")
    Path data;

    @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", description = "Blocks whose resid_post is edited: 3, 1-4, 1,3, -1 (the last) (default: the middle block)")
    String layers;

    @Option(names = "--rank", defaultValue = "4", paramLabel = "R", description = "Rank of the intervention (default: ${DEFAULT-VALUE})")
    int rank;

    @Option(names = "--positions", defaultValue = "f1+l1", paramLabel = "WHICH",
            description = "Positions edited: fN+lM (first N and last M prompt positions), lM, fN, prompt or all (default: ${DEFAULT-VALUE})")
    String positions;

    @Option(names = "--steps", defaultValue = "150", paramLabel = "N", description = "Optimiser steps (default: ${DEFAULT-VALUE})")
    int steps;

    @Option(names = "--batch", defaultValue = "4", paramLabel = "N", description = "Demonstrations per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", defaultValue = "0.01", paramLabel = "RATE", description = "AdamW learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--held-out", defaultValue = "0.25", paramLabel = "FRACTION", description = "Share of demonstrations kept out of training for the report (default: ${DEFAULT-VALUE})")
    double heldOut;

    @Option(names = "--seed", defaultValue = "1", paramLabel = "N", description = "Seed of the initialisation, the split and the examples drawn each step (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.gguf", description = "Where to write the intervention")
    Path output;

    @Option(names = "--resume", description = "Continue from OUTPUT.ckpt.json (same settings required)")
    boolean resume;

    @Option(names = "--json", description = "Print the report as JSON")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        if (!output.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".gguf"))
            throw new IllegalArgumentException("output " + output + " must end in .gguf");
        ReftPositions pos = ReftPositions.parse(positions);
        try (Model m = model.load()) {
            String dataName = data != null ? data.toString() : BUNDLED;
            byte[] bytes = data != null ? readData(data) : TextCorpus.resource(BUNDLED);
            List<Demonstration> all = Demonstration.parse(dataName, bytes, m);
            HeldOutSplit cut = HeldOutSplit.of(all.size(), heldOut, seed, dataName + " has " + all.size() + " demonstrations");
            List<Demonstration> trainDemos = cut.trainOf(all), heldDemos = cut.heldOutOf(all);
            int n = m.config().layers();
            int[] ls;
            try {
                ls = layers == null ? new int[]{n / 2} : LayerList.parse(layers).resolve(n);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--layers: " + e.getMessage());
            }

            ReftTrainer trainer = new ReftTrainer(m, new ReftTrainer.Options(ls, rank, pos, steps, batch, lr, seed));
            AdamW opt = trainer.newOptimiser();
            Path ckpt = output.resolveSibling(output.getFileName() + ".ckpt.json");
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put("model", m.config().name());
            settings.put("data_sha256", dev.steer4j.util.Sha256.hex(dev.steer4j.util.Sha256.of(bytes)));
            settings.put("layers", Arrays.toString(ls));
            settings.put("rank", Integer.toString(rank));
            settings.put("positions", pos.toString());
            settings.put("batch", Integer.toString(batch));
            settings.put("lr", Double.toString(lr));
            settings.put("held_out", Double.toString(heldOut));
            settings.put("seed", Long.toString(seed));
            if (resume) {
                if (!Files.exists(ckpt)) throw new IllegalArgumentException("--resume: no checkpoint at " + ckpt);
                TrainingCheckpoint.resume(ckpt, settings, trainer.params(), opt);
                System.err.printf(Locale.ROOT, "reft: resumed %s at step %d of %d%n", ckpt, opt.steps(), steps);
            }
            List<Demonstration> train = trainDemos, held = heldDemos;
            if (!json) System.err.printf(Locale.ROOT, "reft: loreft rank %d at layers %s, positions %s, %d train / %d held-out demonstrations from %s, model %s%n",
                    rank, Arrays.toString(ls), pos, train.size(), held.size(), dataName, m.config().name());
            double lpBefore = held.isEmpty() ? Double.NaN : trainer.meanLogProb(held, false);

            ProgressBar bar = new ProgressBar("reft", "steps");
            long[] tokens = {0};
            double[] secs = {0}, lastLoss = {Double.NaN};
            trainer.train(train, opt, s -> {
                tokens[0] += s.tokens();
                secs[0] += s.seconds();
                lastLoss[0] = s.loss();
                TrainingCheckpoint.write(ckpt, settings, trainer.params(), opt);
                bar.update(s.step(), steps, String.format(Locale.ROOT, "loss %.4f |grad| %.3f", s.loss(), s.gradNorm()));
            });
            bar.close();
            Map<String, String> md = new LinkedHashMap<>();
            md.put("method", "loreft");
            md.put("model", m.config().name());
            md.put("dataset", Path.of(dataName).getFileName().toString());
            md.put("steps", Long.toString(opt.steps()));
            ReftFile.write(output, trainer.intervention(md), m.config().architecture().ggufName);
            ReftIntervention saved = ReftFile.readFor(output, m); // the report runs what was written

            double lpAfter = held.isEmpty() ? Double.NaN : trainer.meanLogProb(held, true);
            Generator gen = new Generator(m);
            int heldBefore = matches(gen, held, Steering.none()), heldAfter = matches(gen, held, Steering.none().reft(saved));
            int trainAfter = matches(gen, train, Steering.none().reft(saved));
            AlignmentTax tax = new AlignmentTax(new ForwardPass(m), AlignmentTax.defaultCorpus(), 128, 0);
            AlignmentTax.Result none = tax.measure(Steering.none()), cost = tax.measure(Steering.none().reft(saved));
            double tps = secs[0] > 0 ? tokens[0] / secs[0] : Double.NaN;
            if (json) {
                ObjectNode o = new ObjectMapper().createObjectNode();
                o.put("output", output.toString());
                o.put("steps", opt.steps());
                o.put("final_loss", lastLoss[0]);
                o.put("tokens_per_second", tps);
                o.put("held_out", held.size());
                o.put("held_out_logprob_before", lpBefore);
                o.put("held_out_logprob_after", lpAfter);
                o.put("held_out_exact_before", heldBefore);
                o.put("held_out_exact_after", heldAfter);
                o.put("train_exact_after", trainAfter);
                o.put("train", train.size());
                o.put("neutral_mean_kl", cost.meanKl());
                o.put("neutral_perplexity_before", none.perplexity());
                o.put("neutral_perplexity_after", cost.perplexity());
                out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
            } else {
                out.printf(Locale.ROOT, "trained %d steps, final loss %.4f, %.0f tokens/s forward+backward%n", opt.steps(), lastLoss[0], tps);
                out.printf(Locale.ROOT, "%-44s %10s %10s%n", "", "before", "after");
                out.printf(Locale.ROOT, "%-44s %10.3f %10.3f%n", "held-out log p per completion token", lpBefore, lpAfter);
                out.printf(Locale.ROOT, "%-44s %10s %10s%n", "held-out greedy continuations = completion", heldBefore + "/" + held.size(), heldAfter + "/" + held.size());
                out.printf(Locale.ROOT, "%-44s %10s %10s%n", "training greedy continuations = completion", "", trainAfter + "/" + train.size());
                out.printf(Locale.ROOT, "%-44s %10.3f %10.3f%n", "neutral-text perplexity", none.perplexity(), cost.perplexity());
                out.printf(Locale.ROOT, "%-44s %10s %10.5f%n", "neutral-text mean KL to the unedited model", "", cost.meanKl());
                if (!held.isEmpty()) out.printf("example: %s ->%s%n", held.getFirst().promptText(), greedy(gen, held.getFirst(), Steering.none().reft(saved), 12));
                out.println("wrote " + output + " (checkpoint " + ckpt.getFileName() + ")");
            }
        }
        return 0;
    }

    private static byte[] readData(Path file) throws java.io.IOException {
        if (!Files.isRegularFile(file)) throw new IllegalArgumentException("--data " + file + ": no such file");
        return Files.readAllBytes(file);
    }

    /** How many greedy continuations (as long as the completion) are exactly the completion's tokens. */
    private static int matches(Generator gen, List<Demonstration> ds, Steering s) {
        int hits = 0;
        for (Demonstration d : ds) {
            SequenceState seq = new SequenceState(gen.model());
            try (Steering.Applied a = s.applyTo(seq)) {
                int[] got = gen.generate(seq, d.prompt(), GenerationConfig.greedy(d.completion().length).withStopAtEos(false), null).tokens();
                if (Arrays.equals(got, d.completion())) hits++;
            }
        }
        return hits;
    }

    private static String greedy(Generator gen, Demonstration d, Steering s, int n) {
        SequenceState seq = new SequenceState(gen.model());
        try (Steering.Applied a = s.applyTo(seq)) {
            return gen.generate(seq, d.prompt(), GenerationConfig.greedy(n), null).text();
        }
    }
}
