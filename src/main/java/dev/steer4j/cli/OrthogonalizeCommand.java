package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.steer.Orthogonalizer;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFileException;
import dev.steer4j.steer.VectorFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code steer4j orthogonalize}: bake a directional ablation into the weights ("abliteration"). */
@Command(name = "orthogonalize", mixinStandardHelpOptions = true,
        description = "Write a copy of the model with a direction projected out of every residual-stream write "
                + "(token_embd, attn_output, ffn_down): the same logits as --ablate, with no run-time cost.")
public final class OrthogonalizeCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-d", "--direction"}, required = true, paramLabel = "FILE[:L]",
            description = "Vector file (.gguf control vector or .json); its layer-L direction, or its only direction")
    String direction;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.gguf", description = "Where to write the new model")
    Path output;

    @Option(names = "--name", description = "general.name of the new model (default: old name + \" (orthogonalized)\")")
    String name;

    @Override
    public Integer call() {
        Path file = Path.of(direction);
        Integer layer = null;
        int i = direction.lastIndexOf(':');
        if (i > 0) {
            String tail = direction.substring(i + 1);
            try {
                layer = Integer.parseInt(tail);
                file = Path.of(direction.substring(0, i));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--direction '" + direction + "': L '" + tail + "' is not a layer number (expected FILE or FILE:L)");
            }
        }
        SteeringVector v = VectorFiles.read(file);
        float[] d;
        if (layer != null) {
            if (!v.has(layer)) throw new VectorFileException(file, "vector file " + file + " has no direction for layer " + layer + " (it has layers " + v.layers().keySet() + ")");
            d = v.get(layer);
        } else if (v.layers().size() == 1) {
            d = v.layers().firstEntry().getValue().clone();
        } else {
            throw new VectorFileException(file, "vector file " + file + " has " + v.layers().size() + " layers " + v.layers().keySet() + "; pick one with " + file + ":L");
        }
        try (Model m = model.load()) {
            long t0 = System.nanoTime();
            Orthogonalizer.Result r = Orthogonalizer.write(m, d, output, name);
            System.out.printf("wrote %s: %d tensors orthogonalised to the direction (%s%s), %.1f s%n", r.file(), r.modified().size(),
                    String.join(", ", r.modified().subList(0, Math.min(3, r.modified().size()))), r.modified().size() > 3 ? ", ..." : "",
                    (System.nanoTime() - t0) / 1e9);
            if (r.untiedOutput()) System.out.println("the model tied output.weight to token_embd; the original embedding was kept as output.weight");
            System.out.println("model " + Steering.modelName(m) + " -> " + output.getFileName());
        }
        return 0;
    }
}
