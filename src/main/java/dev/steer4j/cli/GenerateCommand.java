package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.GenerationResult;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/** {@code steer4j generate}: streams a continuation of the prompt. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generate text from a prompt, streaming tokens as they come.")
public final class GenerateCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin SamplingOptions sampling;
    @Mixin SteeringOptions steering;

    @Option(names = {"-p", "--prompt"}, required = true, description = "The prompt")
    String prompt;

    @Option(names = "--echo", description = "Print the prompt before the continuation")
    boolean echo;

    @Option(names = "--stats", description = "Print timings to stderr")
    boolean stats;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model m = model.load()) {
            Generator g = new Generator(m);
            SequenceState seq = new SequenceState(m);
            Steering.Applied applied = steering.build(m).applyTo(seq);
            if (echo) out.print(prompt);
            GenerationResult r;
            try (applied) {
                r = g.generate(seq, m.tokenizer().encode(prompt), sampling.config(), (tok, text) -> {
                    out.print(text);
                    out.flush();
                    return true;
                });
            }
            out.println();
            SteeringOptions.report(applied, System.err);
            if (stats) {
                System.err.printf("prompt %d tokens, %.1f tok/s; generated %d tokens, %.1f tok/s; finish: %s%n",
                        r.promptTokens().length, r.prefillTokensPerSecond(), r.tokens().length, r.decodeTokensPerSecond(),
                        r.finishReason().apiName());
            }
        }
        return 0;
    }
}
