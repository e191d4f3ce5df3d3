package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.steer.HfOrthogonalizer;
import dev.steer4j.steer.Orthogonalizer;
import dev.steer4j.steer.Steering;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code steer4j orthogonalize}: bake a directional ablation into the weights ("abliteration"). */
@Command(name = "orthogonalize", mixinStandardHelpOptions = true,
        description = "Write a copy of the model with a direction projected out of every residual-stream write "
                + "(token_embd, position_embd, attn_output, ffn_down and their biases): the same logits as --ablate, with no run-time cost. "
                + "Families with post-norms (gemma2, gemma3) cannot be orthogonalised exactly: the command says so and prints the measured difference.")
public final class OrthogonalizeCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-v", "--vector"}, paramLabel = "FILE[:L]",
            description = "Vector file (.gguf control vector or .json); its layer-L direction (negative counts from the end), or its only direction")
    String vector;

    /** The old spelling of {@code --vector}, kept so that older command lines still run. */
    @Option(names = {"-d", "--direction"}, paramLabel = "FILE[:L]", hidden = true)
    String direction;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT",
            description = "Where to write the new model: a .gguf file, or for a Hugging Face input a directory (safetensors)")
    Path output;

    @Option(names = "--check-prompt", paramLabel = "TEXT", defaultValue = "Once upon a time, there was a little girl",
            description = "Prompt on which the written model is compared with run-time ablation (default: ${DEFAULT-VALUE})")
    String checkPrompt;

    @Option(names = "--name", paramLabel = "NAME", description = "general.name of the new model (default: old name + \" (orthogonalized)\")")
    String name;

    @Override
    public Integer call() {
        if ((vector == null) == (direction == null))
            throw new IllegalArgumentException(vector == null ? "give the direction to project out with --vector FILE[:L]" : "give --vector once (--direction is its old spelling)");
        String arg = vector != null ? vector : direction;
        try (Model m = model.load()) {
            float[] d = SteeringOptions.direction(arg, vector != null ? "--vector" : "--direction", m.config().layers());
            long t0 = System.nanoTime();
            Orthogonalizer.Result r = HfOrthogonalizer.isHf(m) ? HfOrthogonalizer.write(m, d, output, name) : Orthogonalizer.write(m, d, output, name);
            System.out.printf("wrote %s: %d tensors orthogonalised to the direction (%s%s), %.1f s%n", r.file(), r.modified().size(),
                    String.join(", ", r.modified().subList(0, Math.min(3, r.modified().size()))), r.modified().size() > 3 ? ", ..." : "",
                    (System.nanoTime() - t0) / 1e9);
            if (r.untiedOutput()) System.out.println("the model tied output.weight to token_embd; the original embedding was kept as output.weight");
            int[] check = m.tokenizer().encode(checkPrompt);
            try (Model o = Model.load(output)) {
                double dev = Orthogonalizer.deviation(m, o, d, check);
                if (r.exact())
                    System.out.printf(java.util.Locale.ROOT, "exact: max |logit difference| vs run-time --ablate on \"%s\" (%d tokens) = %.2g%n", checkPrompt, check.length, dev);
                else
                    System.out.printf(java.util.Locale.ROOT, "NOT exact: %s.%nmeasured max |logit difference| vs run-time --ablate on \"%s\" (%d tokens) = %.4g%n",
                            r.note(), checkPrompt, check.length, dev);
            }
            System.out.println("model " + Steering.modelName(m) + " -> " + output.getFileName());
        }
        return 0;
    }
}
