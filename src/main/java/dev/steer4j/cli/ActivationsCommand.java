package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import dev.steer4j.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j activations}: the activation at a hook point for every prompt position. */
@Command(name = "activations", mixinStandardHelpOptions = true,
        description = "Print the activations at a hook point for every prompt position (--json: {\"tokens\", \"hook\", \"values\"}).")
public final class ActivationsCommand implements Callable<Integer> {
    @Mixin ModelOption model;
    @Mixin SteeringOptions steering;

    @Mixin PromptOption promptOption;

    @Option(names = "--hook", paramLabel = "HOOK", defaultValue = "blocks.0.hook_resid_post",
            description = "Hook point: hook_embed, blocks.L.hook_resid_pre|hook_attn_out|hook_resid_mid|hook_mlp_out|hook_resid_post, ln_final.hook_normalized (default: ${DEFAULT-VALUE})")
    String hook;

    @Option(names = "--json", description = "Print JSON: tokens, hook and one row per prompt position")
    boolean json;

    @Override
    public Integer call() throws Exception {
        String prompt = promptOption.text();
        HookPoint point = HookPoint.parse(hook);
        try (Model m = model.load()) {
            point.checkLayer(m.config().layers());
            Tokenizer tok = m.tokenizer();
            int[] tokens = tok.encode(prompt);
            SequenceState seq = new SequenceState(m);
            Steering.Applied applied = steering.build(m).applyTo(seq);
            ActivationCache cache;
            try (applied) {
                cache = ActivationCache.run(new ForwardPass(m), seq, tokens, List.of(point), false);
            }
            SteeringOptions.report(applied, System.err);
            float[][] rows = cache.get(point);
            if (json) {
                try (JsonOut out = JsonOut.stdout()) {
                    out.g.writeStartObject();
                    out.ints("tokens", tokens);
                    out.g.writeStringField("hook", point.name());
                    out.rows("values", rows);
                    out.g.writeEndObject();
                }
                return 0;
            }
            System.out.printf("%s, %d positions × %d%n", point.name(), rows.length, rows.length > 0 ? rows[0].length : 0);
            for (int i = 0; i < rows.length; i++) {
                double norm = 0;
                for (float v : rows[i]) norm += v * v;
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j < Math.min(6, rows[i].length); j++) sb.append(String.format(" %8.4f", rows[i][j]));
                System.out.printf("%3d %-12s |x| %8.4f  [%s ...]%n", i, TopTokens.show(tok, tokens[i]), Math.sqrt(norm), sb);
            }
        }
        return 0;
    }
}
