package dev.steer4j.cli;

import dev.steer4j.bench.ModelShape;
import dev.steer4j.bench.SyntheticModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code steer4j synth}: a seeded random-weight GGUF of a real model's shape, for speed measurements. */
@Command(name = "synth", mixinStandardHelpOptions = true,
        description = {"Write a seeded random-weight GGUF of a real model's shape (tensor names, shapes and metadata as "
                + "llama.cpp's converter writes them, a synthetic byte-level BPE vocabulary of the real size), "
                + "to measure speed without downloading weights. The file loads in llama.cpp too.",
                "Shapes: llama-3.2-1b, qwen2.5-0.5b, llama-3.1-8b, or custom:key=value,... with keys "
                        + "base, arch, layers, dim, heads, kv_heads, head_dim, ffn, vocab, context, rope_theta, rms_eps, tied, bias, llama3_rope, tokenizer, name "
                        + "(e.g. custom:base=llama-3.2-1b,layers=2)."})
public final class SynthCommand implements Callable<Integer> {
    @Option(names = "--shape", required = true, paramLabel = "SHAPE", description = "Model shape (see above)")
    String shape;

    @Option(names = "--type", defaultValue = "q8_0", paramLabel = "TYPE",
            description = "f32, f16, bf16, q8_0, q4_0, q4_1, q4_k (Q4_K_M), q5_k (Q5_K_M) or q6_k; the output matrix gets Q6_K below Q8_0, as llama-quantize does (default: ${DEFAULT-VALUE})")
    String type;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE.gguf", description = "Where to write the model")
    Path output;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        ModelShape s = ModelShape.parse(shape);
        SyntheticModel.FileType t = SyntheticModel.FileType.parse(type);
        System.out.printf(Locale.ROOT, "writing %s: %s %s, %d layers, n_embd %d, ffn %d, vocab %d, %.2fB parameters%n",
                output, s.name(), t.cliName, s.layers(), s.dim(), s.ffn(), s.vocab(), s.parameters() / 1e9);
        System.out.flush();
        SyntheticModel.Written w = SyntheticModel.write(s, t, seed, output, line -> {
            System.out.println(line);
            System.out.flush();
        });
        System.out.printf(Locale.ROOT, "wrote %s: %,d bytes, %d tensors in %.1f s%n", w.path(), w.bytes(), w.tensors(), w.seconds());
        return 0;
    }
}
