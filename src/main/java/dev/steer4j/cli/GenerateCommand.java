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

    @Mixin PromptOption promptOption;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N", defaultValue = "0",
            description = "Context size in tokens, prompt included, as llama.cpp's -c; 0 = the model's (default: ${DEFAULT-VALUE})")
    int ctxSize;

    @Option(names = "--echo", description = "Print the prompt before the continuation")
    boolean echo;

    @Option(names = "--stats", description = "Print timings to stderr")
    boolean stats;

    @Option(names = "--lora", paramLabel = "FILE.gguf", description = "Merge a LoRA adapter (llama.cpp's LoRA GGUF layout) into the model at load")
    java.nio.file.Path lora;

    @Override
    public Integer call() {
        String prompt = promptOption.text();
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model base = model.load();
             Model merged = lora == null ? null : dev.steer4j.train.LoraMerge.merge(base, dev.steer4j.train.LoraAdapterFile.read(lora))) {
            Model m = merged != null ? merged : base;
            Generator g = new Generator(m);
            if (ctxSize < 0) throw new IllegalArgumentException("--ctx-size must be 0 (the model's) or more, got " + ctxSize);
            SequenceState seq = ctxSize == 0 ? new SequenceState(m) : new SequenceState(m, ctxSize);
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
