package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.model.ModelException;
import dev.steer4j.tensor.WeightMatrix;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code config.json} fields ↔ the GGUF {@code {arch}.*} metadata llama.cpp's converter writes for each family, and
 * the tensors it derives from the config (Llama 3.1's {@code rope_freqs}, Phi-3's rope factors).
 */
final class HfConfigMapping {
    private HfConfigMapping() {}

    /** The GGUF metadata for a config (architecture keys; no tokenizer keys). */
    static Map<String, GGUFValue> metadata(HfFamily family, HfConfig c) {
        Map<String, GGUFValue> m = new LinkedHashMap<>();
        String p = family.ggufArch + ".";
        m.put("general.architecture", GGUFValue.of(family.ggufArch));
        if (family == HfFamily.GPT2) {
            int dim = c.requireInt("n_embd", "hidden_size");
            int heads = c.requireInt("n_head", "num_attention_heads");
            m.put(p + "context_length", u32(c.requireInt("n_ctx", "n_positions")));
            m.put(p + "embedding_length", u32(dim));
            m.put(p + "block_count", u32(c.requireInt("n_layer", "num_hidden_layers")));
            m.put(p + "feed_forward_length", u32(c.has("n_inner") ? c.requireInt("n_inner") : 4 * dim));
            m.put(p + "attention.head_count", u32(heads));
            m.put(p + "attention.head_count_kv", u32(heads));
            m.put(p + "attention.layer_norm_epsilon", f32(c.getDouble("layer_norm_epsilon", 1e-5)));
            if (c.has("vocab_size")) m.put(p + "vocab_size", u32(c.requireInt("vocab_size")));
            return m;
        }
        int dim = c.requireInt("hidden_size");
        int heads = c.requireInt("num_attention_heads");
        m.put(p + "context_length", u32(c.getInt("max_position_embeddings", 2048)));
        m.put(p + "embedding_length", u32(dim));
        m.put(p + "block_count", u32(c.requireInt("num_hidden_layers")));
        m.put(p + "feed_forward_length", u32(c.requireInt("intermediate_size")));
        m.put(p + "attention.head_count", u32(heads));
        m.put(p + "attention.head_count_kv", u32(c.getInt("num_key_value_heads", heads)));
        if (c.has("head_dim")) {
            m.put(p + "attention.key_length", u32(c.requireInt("head_dim")));
            m.put(p + "attention.value_length", u32(c.requireInt("head_dim")));
        }
        if (family != HfFamily.GEMMA2 || c.getDouble("rope_theta", 10000) != 10000)
            m.put(p + "rope.freq_base", f32(c.getDouble("rope_theta", 10000.0)));
        m.put(p + "attention.layer_norm_rms_epsilon", f32(c.getDouble("rms_norm_eps", 1e-6)));
        if (c.has("vocab_size")) m.put(p + "vocab_size", u32(c.requireInt("vocab_size")));
        switch (family) {
            case GEMMA2 -> {
                if (c.has("attn_logit_softcapping")) m.put(p + "attn_logit_softcapping", f32(c.getDouble("attn_logit_softcapping", 0)));
                if (c.has("final_logit_softcapping")) m.put(p + "final_logit_softcapping", f32(c.getDouble("final_logit_softcapping", 0)));
                m.put(p + "attention.sliding_window", u32(c.getInt("sliding_window", 4096)));
            }
            case PHI3 -> {
                m.put(p + "rope.dimension_count", u32(headDim(c)));
                m.put(p + "attention.sliding_window", u32(c.getInt("sliding_window", 0)));
                JsonNode s = c.object("rope_scaling");
                int orig = c.getInt("original_max_position_embeddings", c.getInt("max_position_embeddings", 4096));
                m.put(p + "rope.scaling.original_context_length", u32(orig));
                if (s != null) {
                    String type = s.path("type").asText(s.path("rope_type").asText(""));
                    double scale = (double) c.getInt("max_position_embeddings", orig) / orig;
                    double attn = switch (type) {
                        case "su", "longrope" -> scale <= 1 ? 1.0 : Math.sqrt(1 + Math.log(scale) / Math.log(orig));
                        case "yarn" -> scale <= 1 ? 1.0 : 0.1 * Math.log(scale) + 1.0;
                        default -> throw c.bad("rope_scaling", "type '" + type + "' is not supported for phi3 (supported: longrope, su, yarn)");
                    };
                    m.put(p + "rope.scaling.attn_factor", f32(attn));
                }
            }
            default -> {
                JsonNode scaling = c.object("rope_scaling");
                if (scaling != null) {
                    String type = scaling.path("rope_type").asText(scaling.path("type").asText(""));
                    switch (type) {
                        case "linear" -> {
                            m.put(p + "rope.scaling.type", GGUFValue.of("linear"));
                            m.put(p + "rope.scaling.factor", f32(scaling.path("factor").asDouble(1)));
                        }
                        case "llama3", "default", "" -> { } // llama3: rope_freqs.weight, see derivedTensors
                        default -> throw c.bad("rope_scaling", "type '" + type + "' is not supported (supported: linear, llama3)");
                    }
                }
            }
        }
        return m;
    }

    static int headDim(HfConfig c) {
        return c.has("head_dim") ? c.requireInt("head_dim") : c.requireInt("hidden_size") / c.requireInt("num_attention_heads");
    }

    /** Tensors the converter computes from the config: name → F32 values. */
    static Map<String, float[]> derivedTensors(HfFamily family, HfConfig c) {
        Map<String, float[]> out = new LinkedHashMap<>();
        if (family == HfFamily.LLAMA) {
            float[] f = HfRope.llama3FreqFactors(c, headDim(c));
            if (f != null) out.put("rope_freqs.weight", f);
        }
        if (family == HfFamily.PHI3 && c.object("rope_scaling") != null) {
            JsonNode s = c.object("rope_scaling");
            int half = headDim(c) / 2;
            for (String kind : new String[]{"long", "short"}) {
                JsonNode a = s.path(kind + "_factor");
                if (!a.isArray() || a.size() != half)
                    throw c.bad("rope_scaling", "needs " + kind + "_factor with head_dim/2 = " + half + " values, has " + (a.isArray() ? a.size() : "none"));
                float[] v = new float[half];
                for (int i = 0; i < half; i++) v[i] = (float) a.get(i).asDouble();
                out.put("rope_factors_" + kind + ".weight", v);
            }
        }
        return out;
    }

    /** Whether a GGUF tensor is one of {@link #derivedTensors} (it then lives in config.json, not in safetensors). */
    static boolean derived(String ggufName) {
        return ggufName.equals("rope_freqs.weight") || ggufName.equals("rope_factors_long.weight") || ggufName.equals("rope_factors_short.weight");
    }

    /** The config.json for a GGUF file's metadata: the inverse of {@link #metadata}, for writing GGUF models as HF. */
    static ObjectNode configFromGguf(HfFamily family, GGUFFile f) {
        ObjectNode c = new ObjectMapper().createObjectNode();
        String p = family.ggufArch + ".";
        c.putArray("architectures").add(switch (family) {
            case LLAMA -> "LlamaForCausalLM";
            case QWEN2 -> "Qwen2ForCausalLM";
            case GPT2 -> "GPT2LMHeadModel";
            case GEMMA2 -> "Gemma2ForCausalLM";
            case PHI3 -> "Phi3ForCausalLM";
        });
        c.put("model_type", family.modelTypes.getFirst());
        int heads = f.requireInt(p + "attention.head_count");
        GGUFTensorInfo embd = f.requireTensor("token_embd.weight");
        int vocab = f.getInt(p + "vocab_size", (int) embd.rows());
        if (family == HfFamily.GPT2) {
            int dim = f.requireInt(p + "embedding_length");
            c.put("n_embd", dim);
            c.put("n_layer", f.requireInt(p + "block_count"));
            c.put("n_head", heads);
            c.put("n_ctx", f.requireInt(p + "context_length"));
            c.put("n_positions", f.requireInt(p + "context_length"));
            c.put("n_inner", f.requireInt(p + "feed_forward_length"));
            c.put("layer_norm_epsilon", f.getFloat(p + "attention.layer_norm_epsilon", 1e-5f));
            c.put("activation_function", "gelu_new");
            c.put("vocab_size", vocab);
            c.put("tie_word_embeddings", sameData(f.tensor("output.weight"), embd));
            return c;
        }
        c.put("hidden_size", f.requireInt(p + "embedding_length"));
        c.put("intermediate_size", f.requireInt(p + "feed_forward_length"));
        c.put("num_hidden_layers", f.requireInt(p + "block_count"));
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", f.getInt(p + "attention.head_count_kv", heads));
        if (f.has(p + "attention.key_length")) c.put("head_dim", f.getInt(p + "attention.key_length", 0));
        c.put("max_position_embeddings", f.getInt(p + "context_length", 2048));
        c.put("rms_norm_eps", f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f));
        c.put("rope_theta", f.getFloat(p + "rope.freq_base", 10000f));
        c.put("vocab_size", vocab);
        c.put("tie_word_embeddings", f.tensor("output.weight") == null);
        switch (family) {
            case GEMMA2 -> {
                if (f.has(p + "attn_logit_softcapping")) c.put("attn_logit_softcapping", f.getFloat(p + "attn_logit_softcapping", 0));
                if (f.has(p + "final_logit_softcapping")) c.put("final_logit_softcapping", f.getFloat(p + "final_logit_softcapping", 0));
                c.put("sliding_window", f.getInt(p + "attention.sliding_window", 4096));
                int layers = f.requireInt(p + "block_count");
                int headDim = f.getInt(p + "attention.key_length", f.requireInt(p + "embedding_length") / heads);
                // the query scale llama.cpp derives from the layer count (46 layers: n_embd / n_head)
                c.put("query_pre_attn_scalar", layers == 46 ? f.requireInt(p + "embedding_length") / heads : headDim);
                c.put("hidden_activation", "gelu_pytorch_tanh");
            }
            case PHI3 -> {
                c.put("sliding_window", f.getInt(p + "attention.sliding_window", 0));
                c.put("original_max_position_embeddings", f.getInt(p + "rope.scaling.original_context_length", f.getInt(p + "context_length", 4096)));
                GGUFTensorInfo lf = f.tensor("rope_factors_long.weight"), sf = f.tensor("rope_factors_short.weight");
                if (lf != null && sf != null) {
                    ObjectNode s = c.putObject("rope_scaling").put("type", "longrope");
                    for (float v : values(lf)) s.withArray("long_factor").add(v);
                    for (float v : values(sf)) s.withArray("short_factor").add(v);
                }
            }
            default -> {
                if ("linear".equals(f.getString(p + "rope.scaling.type", "none")))
                    c.putObject("rope_scaling").put("rope_type", "linear").put("factor", f.getFloat(p + "rope.scaling.factor", 1f));
                if (f.tensor("rope_freqs.weight") != null)
                    throw new ModelException(f.path() + ": rope_freqs.weight cannot be written back as config.json rope_scaling");
            }
        }
        c.put("torch_dtype", "float32");
        return c;
    }

    static boolean sameData(GGUFTensorInfo a, GGUFTensorInfo b) {
        return a == null || a.data().byteSize() == b.data().byteSize() && a.data().mismatch(b.data()) == -1;
    }

    private static float[] values(GGUFTensorInfo t) {
        return WeightMatrix.of(t.name(), t.type(), t.data(), 1, (int) t.elementCount()).row(0);
    }

    private static GGUFValue u32(long v) { return GGUFValue.ofUInt32(v); }
    private static GGUFValue f32(double v) { return GGUFValue.ofFloat32((float) v); }
}
