package dev.steer4j.model;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;

import static dev.steer4j.model.Family.Mlp.GEGLU;
import static dev.steer4j.model.Family.Mlp.GELU;
import static dev.steer4j.model.Family.Norm.LAYER;
import static dev.steer4j.model.Family.Positions.LEARNED;
import static dev.steer4j.model.Family.Positions.ROPE_NEOX;
import static dev.steer4j.model.Family.QueryScale.GEMMA;
import static dev.steer4j.model.Family.Residual.SANDWICH;
import static dev.steer4j.model.Family.RopeFactors.LONG_SHORT;

/**
 * The transformer families steer4j runs, keyed by GGUF's {@code general.architecture}. Each is one {@link Family}
 * description; the loader ({@link Model}) and the forward pass read nothing else about a family.
 */
public enum Architecture {
    /** Llama 2/3/3.1/3.2, Mistral, SmolLM, TinyLlama: the base description. */
    LLAMA("llama", Family.llamaLike().build(), true),
    /** Qwen2 / Qwen2.5: NEOX RoPE and Q/K/V biases. */
    QWEN2("qwen2", Family.llamaLike().positions(ROPE_NEOX).qkvBias().build(), true),
    /** GPT-2: LayerNorm with bias, learned positions, fused QKV with bias, GELU MLP with biases. */
    GPT2("gpt2", Family.llamaLike().norm(LAYER).positions(LEARNED).fusedQkv().qkvBias().outputBiases().mlp(GELU).build(), true),
    /**
     * Gemma 2: √n_embd embedding scale, sandwich norms, attention and final soft-caps, sliding window on even layers,
     * GeGLU, Gemma's query scale. Norm weights are stored as 1 + w by the converter and used as they are.
     */
    GEMMA2("gemma2", Family.llamaLike().positions(ROPE_NEOX).mlp(GEGLU).residual(SANDWICH).scaleEmbedding().softCaps()
            .window(2).queryScale(GEMMA).tiedHead().build(), true),
    /** Phi-3: fused QKV, fused gate/up, NEOX RoPE with long/short factors, sliding window on every layer. */
    PHI3("phi3", Family.llamaLike().positions(ROPE_NEOX).fusedQkv().fusedGateUp().window(0).ropeFactors(LONG_SHORT).build(), true),
    /**
     * Gemma 3: Gemma 2 without soft-caps, plus Q/K norms, five local (windowed, RoPE base 10000) layers per global
     * one. Untested: no reference numbers exist for it yet.
     */
    GEMMA3("gemma3", Family.llamaLike().positions(ROPE_NEOX).qkNorm().mlp(GEGLU).residual(SANDWICH).scaleEmbedding()
            .window(6).queryScale(GEMMA).localRopeBase(10000f).tiedHead().build(), false),
    /** Qwen3: NEOX RoPE, Q/K norms, no biases. Untested: no reference numbers exist for it yet. */
    QWEN3("qwen3", Family.llamaLike().positions(ROPE_NEOX).qkNorm().build(), false);

    public final String ggufName;
    public final Family family;
    /** True when the family is checked against llama.cpp's numbers in the test suite. */
    public final boolean verified;

    Architecture(String ggufName, Family family, boolean verified) {
        this.ggufName = ggufName;
        this.family = family;
        this.verified = verified;
    }

    public static Architecture fromGGUF(Path file, String name) {
        for (Architecture a : values()) if (a.ggufName.equals(name)) return a;
        throw new ModelException(file + ": general.architecture = '" + name + "' is not supported (supported: "
                + Arrays.stream(values()).map(a -> a.ggufName).collect(Collectors.joining(", ")) + ")");
    }
}
