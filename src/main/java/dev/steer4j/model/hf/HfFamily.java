package dev.steer4j.model.hf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * How one Hugging Face model family ({@code config.json}'s {@code model_type}) maps onto the GGUF view llama.cpp's
 * converter ({@code convert_hf_to_gguf.py}) would write: the tensor names and layouts here, the {@code {arch}.*}
 * metadata in {@link HfConfigMapping}.
 */
public enum HfFamily {
    /** Llama, Mistral (and SmolLM, TinyLlama ...): Q/K rows permuted for llama.cpp's adjacent-pair RoPE. */
    LLAMA("llama", List.of("llama", "mistral"), Output.DROP_WHEN_TIED, false, llamaLike(true, false)),
    /** Qwen2 / Qwen2.5: Q/K/V biases; NEOX RoPE in GGUF too, so no permutation. */
    QWEN2("qwen2", List.of("qwen2"), Output.DROP_WHEN_TIED, false, llamaLike(false, true)),
    /**
     * GPT-2: learned positions, LayerNorm with bias, fused QKV; its Conv1D weights are stored [in, out] and transposed.
     * llama.cpp needs {@code output.weight}, so a tied model gets a copy of the embedding there.
     */
    GPT2("gpt2", List.of("gpt2"), Output.REQUIRED, true, gpt2()),
    /** Gemma 2: sandwich norms; HF's RMSNorm multiplies by (1 + w), llama.cpp stores w + 1. The LM head is the embedding. */
    GEMMA2("gemma2", List.of("gemma2"), Output.ALWAYS_TIED, true, gemma2()),
    /** Phi-3: fused qkv_proj and gate_up_proj, kept fused in GGUF; rope factors from config.json. */
    PHI3("phi3", List.of("phi3"), Output.REQUIRED, false, phi3());

    /** What becomes of {@code output.weight} (the LM head). */
    enum Output {
        /** Absent when the config ties embeddings (llama, qwen2). */
        DROP_WHEN_TIED,
        /** Always present: a tied model gets a copy (pointer) of token_embd (gpt2, phi3). */
        REQUIRED,
        /** Never present: the LM head is token_embd (gemma2). */
        ALWAYS_TIED
    }

    /** The GGUF {@code general.architecture}. */
    public final String ggufArch;
    /** The {@code model_type} values of this family. */
    public final List<String> modelTypes;
    final Output output;
    /** transformers' default for {@code tie_word_embeddings} in this family's config class. */
    final boolean tiedByDefault;
    final List<HfTensorRule> rules;

    HfFamily(String ggufArch, List<String> modelTypes, Output output, boolean tiedByDefault, List<HfTensorRule> rules) {
        this.ggufArch = ggufArch;
        this.modelTypes = modelTypes;
        this.output = output;
        this.tiedByDefault = tiedByDefault;
        this.rules = rules;
    }

    private static List<HfTensorRule> llamaLike(boolean permute, boolean qkvBias) {
        HfLayout q = permute ? HfLayout.PERMUTE_Q : HfLayout.AS_IS, k = permute ? HfLayout.PERMUTE_K : HfLayout.AS_IS;
        List<HfTensorRule> r = new ArrayList<>(List.of(
                HfTensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
                HfTensorRule.of("model.norm.weight", "output_norm.weight"),
                HfTensorRule.of("lm_head.weight", "output.weight"),
                HfTensorRule.of("model.layers.{L}.input_layernorm.weight", "blk.{L}.attn_norm.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.q_proj.weight", "blk.{L}.attn_q.weight", q),
                HfTensorRule.of("model.layers.{L}.self_attn.k_proj.weight", "blk.{L}.attn_k.weight", k),
                HfTensorRule.of("model.layers.{L}.self_attn.v_proj.weight", "blk.{L}.attn_v.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.q_proj.bias", "blk.{L}.attn_q.bias", q),
                HfTensorRule.of("model.layers.{L}.self_attn.k_proj.bias", "blk.{L}.attn_k.bias", k),
                HfTensorRule.of("model.layers.{L}.self_attn.v_proj.bias", "blk.{L}.attn_v.bias"),
                HfTensorRule.of("model.layers.{L}.self_attn.o_proj.weight", "blk.{L}.attn_output.weight"),
                HfTensorRule.of("model.layers.{L}.post_attention_layernorm.weight", "blk.{L}.ffn_norm.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.gate_proj.weight", "blk.{L}.ffn_gate.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.up_proj.weight", "blk.{L}.ffn_up.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.down_proj.weight", "blk.{L}.ffn_down.weight")));
        return List.copyOf(r);
    }

    private static List<HfTensorRule> gpt2() {
        List<HfTensorRule> r = new ArrayList<>();
        // GPT2LMHeadModel's state dict says "transformer."; the original gpt2 checkpoints have no prefix
        for (String p : List.of("transformer.", "")) {
            r.add(HfTensorRule.of(p + "wte.weight", "token_embd.weight"));
            r.add(HfTensorRule.of(p + "wpe.weight", "position_embd.weight"));
            r.add(HfTensorRule.of(p + "ln_f.weight", "output_norm.weight"));
            r.add(HfTensorRule.of(p + "ln_f.bias", "output_norm.bias"));
            for (String wb : List.of("weight", "bias")) {
                HfLayout conv = wb.equals("weight") ? HfLayout.TRANSPOSE : HfLayout.AS_IS;
                r.add(HfTensorRule.of(p + "h.{L}.ln_1." + wb, "blk.{L}.attn_norm." + wb));
                r.add(HfTensorRule.of(p + "h.{L}.attn.c_attn." + wb, "blk.{L}.attn_qkv." + wb, conv));
                r.add(HfTensorRule.of(p + "h.{L}.attn.c_proj." + wb, "blk.{L}.attn_output." + wb, conv));
                r.add(HfTensorRule.of(p + "h.{L}.ln_2." + wb, "blk.{L}.ffn_norm." + wb));
                r.add(HfTensorRule.of(p + "h.{L}.mlp.c_fc." + wb, "blk.{L}.ffn_up." + wb, conv));
                r.add(HfTensorRule.of(p + "h.{L}.mlp.c_proj." + wb, "blk.{L}.ffn_down." + wb, conv));
            }
        }
        r.add(HfTensorRule.of("lm_head.weight", "output.weight"));
        return List.copyOf(r);
    }

    private static List<HfTensorRule> gemma2() {
        HfLayout n = HfLayout.PLUS_ONE;
        return List.of(
                HfTensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
                HfTensorRule.of("model.norm.weight", "output_norm.weight", n),
                HfTensorRule.of("model.layers.{L}.input_layernorm.weight", "blk.{L}.attn_norm.weight", n),
                HfTensorRule.of("model.layers.{L}.self_attn.q_proj.weight", "blk.{L}.attn_q.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.k_proj.weight", "blk.{L}.attn_k.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.v_proj.weight", "blk.{L}.attn_v.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.o_proj.weight", "blk.{L}.attn_output.weight"),
                HfTensorRule.of("model.layers.{L}.post_attention_layernorm.weight", "blk.{L}.post_attention_norm.weight", n),
                HfTensorRule.of("model.layers.{L}.pre_feedforward_layernorm.weight", "blk.{L}.ffn_norm.weight", n),
                HfTensorRule.of("model.layers.{L}.post_feedforward_layernorm.weight", "blk.{L}.post_ffw_norm.weight", n),
                HfTensorRule.of("model.layers.{L}.mlp.gate_proj.weight", "blk.{L}.ffn_gate.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.up_proj.weight", "blk.{L}.ffn_up.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.down_proj.weight", "blk.{L}.ffn_down.weight"));
    }

    private static List<HfTensorRule> phi3() {
        return List.of(
                HfTensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
                HfTensorRule.of("model.norm.weight", "output_norm.weight"),
                HfTensorRule.of("lm_head.weight", "output.weight"),
                HfTensorRule.of("model.layers.{L}.input_layernorm.weight", "blk.{L}.attn_norm.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.qkv_proj.weight", "blk.{L}.attn_qkv.weight"),
                HfTensorRule.of("model.layers.{L}.self_attn.o_proj.weight", "blk.{L}.attn_output.weight"),
                HfTensorRule.of("model.layers.{L}.post_attention_layernorm.weight", "blk.{L}.ffn_norm.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.gate_up_proj.weight", "blk.{L}.ffn_up.weight"),
                HfTensorRule.of("model.layers.{L}.mlp.down_proj.weight", "blk.{L}.ffn_down.weight"));
    }

    /** The family of a config's {@code model_type}, or an error listing the supported ones. */
    public static HfFamily of(HfConfig c) {
        String type = c.modelType();
        for (HfFamily f : values()) if (f.modelTypes.contains(type)) return f;
        throw c.bad("model_type", "= '" + type + "' is not supported (supported: "
                + Arrays.stream(values()).flatMap(f -> f.modelTypes.stream()).collect(Collectors.joining(", ")) + ")");
    }

    /** The family whose GGUF architecture is {@code arch}, or null. */
    public static HfFamily ofGguf(String arch) {
        for (HfFamily f : values()) if (f.ggufArch.equals(arch)) return f;
        return null;
    }

    /** The rule for an HF tensor name, or null. */
    HfTensorRule ruleForHf(String name) {
        for (HfTensorRule r : rules) if (r.toGguf(name) != null) return r;
        return null;
    }

    /** The rule for a GGUF tensor name, or null (the first rule wins, so gpt2 writes the "transformer." names). */
    HfTensorRule ruleForGguf(String name) {
        for (HfTensorRule r : rules) if (r.toHf(name) != null) return r;
        return null;
    }

    /** HF tensors llama.cpp's converter drops: buffers such as {@code rotary_emb.inv_freq}, GPT-2's causal masks. */
    boolean ignored(String hfName) {
        if (hfName.endsWith(".rotary_emb.inv_freq")) return true;
        if (this == GEMMA2 && hfName.equals("lm_head.weight")) return true;
        return this == GPT2 && (hfName.endsWith(".attn.masked_bias") || hfName.endsWith(".attn.bias") && !hfName.contains("c_attn"));
    }

    /** Number of heads whose rows a layout permutes: query heads for Q, KV heads for K. */
    static int permuteHeads(HfLayout layout, int heads, int kvHeads) {
        return switch (layout) {
            case PERMUTE_Q, UNPERMUTE_Q -> heads;
            case PERMUTE_K, UNPERMUTE_K -> kvHeads;
            default -> 0;
        };
    }
}
