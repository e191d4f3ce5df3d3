package dev.steer4j.cli;

import dev.steer4j.guard.Calibrator;
import dev.steer4j.guard.Detector;
import dev.steer4j.guard.Guard;
import dev.steer4j.guard.GuardFile;
import dev.steer4j.guard.GuardPolicy;
import dev.steer4j.read.PromptFile;
import dev.steer4j.model.Model;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j guard}: build the detectors that {@code steer4j serve --guard} runs. */
@Command(name = "guard", mixinStandardHelpOptions = true,
        description = "Inference-time guard: calibrate detectors for 'steer4j serve --guard'.",
        subcommands = {GuardCommand.Calibrate.class, CommandLine.HelpCommand.class})
public final class GuardCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "calibrate", mixinStandardHelpOptions = true,
            description = {"Calibrate a detector from two prompt sets: picks the layer and threshold on a training split",
                    "and prints TPR/FPR on the held-out split. Prompt files: one prompt per line (.txt; blank lines and",
                    "lines starting with # are skipped) or a JSON array of strings (.json)."})
    public static final class Calibrate implements Callable<Integer> {
        @Mixin ModelOption model;

        @Option(names = "--positive", required = true, paramLabel = "FILE", description = "Prompts the detector must catch")
        Path positive;

        @Option(names = "--negative", required = true, paramLabel = "FILE", description = "Prompts it must let through")
        Path negative;

        @Option(names = "--holdout", paramLabel = "FRACTION", defaultValue = "0.2", description = "Fraction of each set held out for TPR/FPR (default: ${DEFAULT-VALUE})")
        double holdout;

        @Option(names = {"-o", "--output"}, required = true, paramLabel = "guard.json", description = "Guard file to write")
        Path output;

        @Option(names = "--name", paramLabel = "NAME", description = "Detector name (default: the positive file's name)")
        String name;

        @Option(names = "--policy", paramLabel = "POLICY", defaultValue = "flag", description = "flag, block, steer or ablate (default: ${DEFAULT-VALUE})")
        String policy;

        @Option(names = "--refusal", paramLabel = "TEXT", description = "Answer of the block policy (default: \"" + Detector.DEFAULT_REFUSAL + "\")")
        String refusal;

        @Option(names = "--steer-vector", paramLabel = "NAME", description = "Library vector the steer policy adds (default: minus the detector direction)")
        String steerVector;

        @Option(names = "--steer-coefficient", paramLabel = "C", defaultValue = "1.0", description = "Coefficient of the steer policy's vector (default: ${DEFAULT-VALUE})")
        double steerCoefficient;

        @Option(names = {"-l", "--layers"}, paramLabel = "LAYERS", converter = LayerListConverter.class,
                description = "Only consider these layers: 3, 1-4, 1,3,5-7, -1 (the last), -3--1 or all (default: all)")
        dev.steer4j.util.LayerList layers;

        @Option(names = "--seed", paramLabel = "N", defaultValue = "0", description = "Seed of the train/held-out split (default: ${DEFAULT-VALUE})")
        long seed;

        @Option(names = "--append", description = "Add the detector to an existing guard file (replacing one with the same name)")
        boolean append;

        @Override
        public Integer call() {
            PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
            GuardPolicy p = GuardPolicy.parse(policy);
            List<String> pos = PromptFile.readAll(positive), neg = PromptFile.readAll(negative);
            String detectorName = name != null ? name : stem(positive);
            String modelName = stem(model.path());
            try (Model m = model.load()) {
                int[] ls = layers == null ? null : LayerListConverter.within(layers, m.config().layers(), "--layers").resolve(m.config().layers());
                out.printf("calibrating '%s' on %s: %d positive (%s), %d negative (%s), holdout %.2f%n", detectorName, modelName,
                        pos.size(), positive, neg.size(), negative, holdout);
                Calibrator.Result r = Calibrator.calibrate(m, detectorName, pos, neg, holdout, seed, ls, p);
                Detector d = r.detector();
                if (refusal != null) d = d.withRefusal(refusal);
                d = d.withSteer(steerVector, steerCoefficient);
                out.print(r.report());
                Guard g = new Guard(List.of(d), modelName);
                if (append && Files.exists(output)) g = GuardFile.read(output).with(d);
                GuardFile.write(output, g);
                out.println("wrote " + output + " (" + g.detectors().size() + " detector" + (g.detectors().size() == 1 ? "" : "s") + ", policy " + p.apiName() + ")");
            }
            return 0;
        }

        private static String stem(Path p) {
            String n = p.getFileName().toString();
            int dot = n.lastIndexOf('.');
            return dot > 0 ? n.substring(0, dot) : n;
        }
    }
}
