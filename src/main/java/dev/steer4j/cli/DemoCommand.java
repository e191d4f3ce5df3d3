package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.Generator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code steer4j demo}: the main job on the bundled model. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the main job on the bundled model: stream a story.")
public final class DemoCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-p", "--prompt"}, defaultValue = "Once upon a time", description = "Story opening (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--seed", defaultValue = "7", description = "Sampling seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model m = model.load()) {
            out.println("== steer4j demo: " + m.config().name() + " (" + m.config().architecture().ggufName + ", "
                    + m.config().layers() + " layers, n_embd " + m.config().dim() + ") ==");
            out.println("-- story (temperature 0.8, seed " + seed + ") --");
            out.print(prompt);
            new Generator(m).generate(prompt, GenerationConfig.sampled(120, 0.8f, seed), (t, text) -> {
                out.print(text);
                return true;
            });
            out.println();
        }
        return 0;
    }
}
