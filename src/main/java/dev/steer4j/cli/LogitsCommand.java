package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import dev.steer4j.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j logits}: the full logits at every prompt position, for comparison with any other engine. */
@Command(name = "logits", mixinStandardHelpOptions = true,
        description = "Print the logits at every prompt position (--json: {\"tokens\":[...], \"logits\":[[...]...]}).")
public final class LogitsCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin SteeringOptions steering;

    @Mixin PromptOption promptOption;

    @Option(names = "--json", description = "Print JSON: tokens and one full logits row per prompt position")
    boolean json;

    @Option(names = "--top", paramLabel = "N", defaultValue = "5", description = "Without --json: how many top tokens to show per position (default: ${DEFAULT-VALUE})")
    int top;

    @Override
    public Integer call() throws Exception {
        String prompt = promptOption.text();
        try (Model m = model.load()) {
            Tokenizer tok = m.tokenizer();
            int[] tokens = tok.encode(prompt);
            SequenceState seq = new SequenceState(m);
            Steering.Applied applied = steering.build(m).applyTo(seq);
            ActivationCache cache;
            try (applied) {
                cache = ActivationCache.run(new ForwardPass(m), seq, tokens, List.of(), true);
            }
            SteeringOptions.report(applied, System.err);
            int vocab = m.config().vocabSize();
            if (json) {
                try (JsonOut out = JsonOut.stdout()) {
                    out.g.writeStartObject();
                    out.ints("tokens", tokens);
                    out.matrix("logits", cache.logits(), tokens.length, vocab);
                    out.g.writeEndObject();
                }
                return 0;
            }
            float[] l = cache.logits();
            for (int i = 0; i < tokens.length; i++) {
                StringBuilder sb = new StringBuilder();
                for (int t : TopTokens.top(l, i * vocab, vocab, top)) {
                    sb.append(String.format("  %s %.3f", TopTokens.show(tok, t), l[i * vocab + t]));
                }
                System.out.printf("%3d %-12s →%s%n", i, TopTokens.show(tok, tokens[i]), sb);
            }
        }
        return 0;
    }
}
