package dev.steer4j.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The transformer families steer4j runs. They differ in RoPE layout and in Q/K/V biases; the rest of the block
 * (RMSNorm, GQA attention, SwiGLU MLP) is shared.
 */
public enum Architecture {
    /** Llama 2/3/3.1/3.2, Mistral, SmolLM, TinyLlama: adjacent-pair RoPE, no biases. */
    LLAMA("llama", RopeStyle.ADJACENT_PAIRS),
    /** Qwen2 / Qwen2.5: half-split (NEOX) RoPE and Q/K/V biases. */
    QWEN2("qwen2", RopeStyle.HALF_SPLIT);

    /** How RoPE pairs the dimensions of a head. */
    public enum RopeStyle {
        /** ggml's normal mode: pairs (2i, 2i+1). */
        ADJACENT_PAIRS,
        /** ggml's NEOX mode: pairs (i, i + d/2). */
        HALF_SPLIT
    }

    public final String ggufName;
    public final RopeStyle ropeStyle;

    Architecture(String ggufName, RopeStyle ropeStyle) {
        this.ggufName = ggufName;
        this.ropeStyle = ropeStyle;
    }

    public static Architecture fromGGUF(Path file, String name) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        throw new ModelException(file + ": general.architecture = '" + name + "' is not supported (supported: "
                + Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", ")) + ")");
    }
}
