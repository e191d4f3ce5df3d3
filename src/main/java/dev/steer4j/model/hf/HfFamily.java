package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.format.gguf.GGUFValue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * How one Hugging Face model family ({@code config.json}'s {@code model_type}) maps onto the GGUF view llama.cpp's
 * converter ({@code convert_hf_to_gguf.py}) would write: the {@code {arch}.*} metadata keys from the config fields,
 * and the tensor names and layouts.
 */
public enum HfFamily {
    /** Llama, Mistral (and SmolLM, TinyLlama ...): Q/K rows permuted for llama.cpp's adjacent-pair RoPE. */
    LLAMA("llama", List.of("llama", "mistral"), List.of(
            HfTensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
            HfTensorRule.of("model.norm.weight", "output_norm.weight"),
            HfTensorRule.of("lm_head.weight", "output.weight"),
            HfTensorRule.of("model.layers.{L}.input_layernorm.weight", "blk.{L}.attn_norm.weight"),
            HfTensorRule.of("model.layers.{L}.self_attn.q_proj.weight", "blk.{L}.attn_q.weight", HfLayout.PERMUTE_Q),
            HfTensorRule.of("model.layers.{L}.self_attn.k_proj.weight", "blk.{L}.attn_k.weight", HfLayout.PERMUTE_K),
            HfTensorRule.of("model.layers.{L}.self_attn.q_proj.bias", "blk.{L}.attn_q.bias", HfLayout.PERMUTE_Q),
            HfTensorRule.of("model.layers.{L}.self_attn.k_proj.bias", "blk.{L}.attn_k.bias", HfLayout.PERMUTE_K),
            HfTensorRule.of("model.layers.{L}.self_attn.v_proj.weight", "blk.{L}.attn_v.weight"),
            HfTensorRule.of("model.layers.{L}.self_attn.o_proj.weight", "blk.{L}.attn_output.weight"),
            HfTensorRule.of("model.layers.{L}.post_attention_layernorm.weight", "blk.{L}.ffn_norm.weight"),
            HfTensorRule.of("model.layers.{L}.mlp.gate_proj.weight", "blk.{L}.ffn_gate.weight"),
            HfTensorRule.of("model.layers.{L}.mlp.up_proj.weight", "blk.{L}.ffn_up.weight"),
            HfTensorRule.of("model.layers.{L}.mlp.down_proj.weight", "blk.{L}.ffn_down.weight")),
            false),
    /** Qwen2 / Qwen2.5: Q/K/V biases, NEOX RoPE in GGUF too, so no permutation. */
    QWEN2("qwen2", List.of("qwen2"), List.of(
            HfTensorRule.of("model.embed_tokens.weight", "token_embd.weight"),
            HfTensorRule.of("model.norm.weight", "output_norm.weight"),
            HfTensorRule.of("lm_head.weight", "output.weight"),
            HfTensorRule.of("model.layers.{L}.input_layernorm.weight", "blk.{L}.attn_norm.weight"),
            HfTensorRule.of("model.layers.{L}.self_attn.q_proj.weight", "blk.{L}.attn_q.weight"),
            HfTensorRule.of("model.layers.{L}.self_attn.k_proj.weight", "blk.{L}.attn_k.weight"),
            HfTensorRule.of("model.layers.{L}.self_attn.v_proj.weight", "blk.{L}.attn_v.weight"),
            HfTensorRule.of("model.layers.{L}.self_attn.q_proj.bias", "blk.{L}.attn_q.bias"),
            HfTensorRule.of("model.layers.{L}.self_attn.k_proj.bias", "blk.{L}.attn_k.bias"),
            HfTensorRule.of("model.layers.{L}.self_attn.v_proj.bias", "blk.{L}.attn_v.bias"),
            HfTensorRule.of("model.layers.{L}.self_attn.o_proj.weight", "blk.{L}.attn_output.weight"),
            HfTensorRule.of("model.layers.{L}.post_attention_layernorm.weight", "blk.{L}.ffn_norm.weight"),
            HfTensorRule.of("model.layers.{L}.mlp.gate_proj.weight", "blk.{L}.ffn_gate.weight"),
            HfTensorRule.of("model.layers.{L}.mlp.up_proj.weight", "blk.{L}.ffn_up.weight"),
            HfTensorRule.of("model.layers.{L}.mlp.down_proj.weight", "blk.{L}.ffn_down.weight")),
            false);

    /** The GGUF {@code general.architecture}. */
    public final String ggufArch;
    /** The {@code model_type} values of this family. */
    public final List<String> modelTypes;
    final List<HfTensorRule> rules;
    /** transformers' default for {@code tie_word_embeddings} in this family's config class. */
    final boolean tiedByDefault;

    HfFamily(String ggufArch, List<String> modelTypes, List<HfTensorRule> rules, boolean tiedByDefault) {
        this.ggufArch = ggufArch;
        this.modelTypes = modelTypes;
        this.rules = rules;
        this.tiedByDefault = tiedByDefault;
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

    /** The rule for a GGUF tensor name, or null. */
    HfTensorRule ruleForGguf(String name) {
        for (HfTensorRule r : rules) if (r.toHf(name) != null) return r;
        return null;
    }

    /** HF tensors llama.cpp's converter drops (buffers such as {@code rotary_emb.inv_freq}). */
    static boolean ignored(String hfName) {
        return hfName.endsWith(".rotary_emb.inv_freq") || hfName.endsWith(".attn.masked_bias") || hfName.endsWith(".attn.bias") && hfName.startsWith("h.");
    }

    /** Number of heads whose rows a layout permutes: query heads for Q, KV heads for K. */
    static int permuteHeads(HfLayout layout, int heads, int kvHeads) {
        return switch (layout) {
            case PERMUTE_Q, UNPERMUTE_Q -> heads;
            case PERMUTE_K, UNPERMUTE_K -> kvHeads;
            default -> 0;
        };
    }

    /**
     * The {@code config.json} fields for a GGUF file's {@code {arch}.*} metadata: the inverse of {@link #metadata}, for
     * writing a GGUF model out in Hugging Face layout.
     */
    com.fasterxml.jackson.databind.node.ObjectNode configFromGguf(dev.steer4j.format.gguf.GGUFFile f) {
        var c = new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode();
        String p = ggufArch + ".";
        c.putArray("architectures").add(switch (this) {
            case LLAMA -> "LlamaForCausalLM";
            case QWEN2 -> "Qwen2ForCausalLM";
        });
        c.put("model_type", modelTypes.getFirst());
        int heads = f.requireInt(p + "attention.head_count");
        c.put("hidden_size", f.requireInt(p + "embedding_length"));
        c.put("intermediate_size", f.requireInt(p + "feed_forward_length"));
        c.put("num_hidden_layers", f.requireInt(p + "block_count"));
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", f.getInt(p + "attention.head_count_kv", heads));
        if (f.has(p + "attention.key_length")) c.put("head_dim", f.getInt(p + "attention.key_length", 0));
        c.put("max_position_embeddings", f.getInt(p + "context_length", 2048));
        c.put("rms_norm_eps", f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f));
        c.put("rope_theta", f.getFloat(p + "rope.freq_base", 10000f));
        var embd = f.requireTensor("token_embd.weight");
        c.put("vocab_size", f.getInt(p + "vocab_size", (int) embd.rows()));
        c.put("tie_word_embeddings", f.tensor("output.weight") == null);
        if ("linear".equals(f.getString(p + "rope.scaling.type", "none")))
            c.putObject("rope_scaling").put("rope_type", "linear").put("factor", f.getFloat(p + "rope.scaling.factor", 1f));
        c.put("torch_dtype", "float32");
        return c;
    }

    /** The GGUF metadata llama.cpp's converter writes for this config (architecture keys; no tokenizer keys). */
    Map<String, GGUFValue> metadata(HfConfig c) {
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        String p = ggufArch + ".";
        m.put("general.architecture", GGUFValue.of(ggufArch));
        int dim = c.requireInt("hidden_size");
        int heads = c.requireInt("num_attention_heads");
        m.put(p + "context_length", GGUFValue.ofUInt32(c.getInt("max_position_embeddings", 2048)));
        m.put(p + "embedding_length", GGUFValue.ofUInt32(dim));
        m.put(p + "block_count", GGUFValue.ofUInt32(c.requireInt("num_hidden_layers")));
        m.put(p + "feed_forward_length", GGUFValue.ofUInt32(c.requireInt("intermediate_size")));
        m.put(p + "attention.head_count", GGUFValue.ofUInt32(heads));
        m.put(p + "attention.head_count_kv", GGUFValue.ofUInt32(c.getInt("num_key_value_heads", heads)));
        if (c.has("head_dim")) {
            m.put(p + "attention.key_length", GGUFValue.ofUInt32(c.requireInt("head_dim")));
            m.put(p + "attention.value_length", GGUFValue.ofUInt32(c.requireInt("head_dim")));
        }
        m.put(p + "rope.freq_base", GGUFValue.ofFloat32((float) c.getDouble("rope_theta", 10000.0)));
        m.put(p + "attention.layer_norm_rms_epsilon", GGUFValue.ofFloat32((float) c.getDouble("rms_norm_eps", 1e-6)));
        if (c.has("vocab_size")) m.put(p + "vocab_size", GGUFValue.ofUInt32(c.requireInt("vocab_size")));
        JsonNode scaling = c.object("rope_scaling");
        if (scaling != null) {
            String type = scaling.path("rope_type").asText(scaling.path("type").asText(""));
            switch (type) {
                case "linear" -> {
                    m.put(p + "rope.scaling.type", GGUFValue.of("linear"));
                    m.put(p + "rope.scaling.factor", GGUFValue.ofFloat32((float) scaling.path("factor").asDouble(1)));
                }
                case "llama3", "default", "" -> { } // llama3: rope_freqs.weight, see HfRope
                default -> throw c.bad("rope_scaling", "type '" + type + "' is not supported (supported: linear, llama3)");
            }
        }
        return m;
    }
}
