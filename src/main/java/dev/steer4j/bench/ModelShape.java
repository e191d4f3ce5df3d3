package dev.steer4j.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hyper-parameters of a real model, as llama.cpp's {@code convert_hf_to_gguf.py} writes them to GGUF metadata,
 * so that a random-weight model of the same shape costs the same to run.
 *
 * @param name          preset name, for example {@code llama-3.2-1b}
 * @param displayName   {@code general.name}
 * @param architecture  {@code general.architecture}: {@code llama} or {@code qwen2}
 * @param ropeScaling   llama3 RoPE scaling (written as the {@code rope_freqs.weight} tensor), or null
 * @param tokenizer     {@code llama3} (128 000 byte-level BPE tokens + 256 specials) or {@code qwen2}
 */
public record ModelShape(
        String name,
        String displayName,
        String architecture,
        int layers,
        int dim,
        int heads,
        int kvHeads,
        int headDim,
        int ffn,
        int vocab,
        int contextLength,
        float ropeTheta,
        float rmsEps,
        boolean tiedEmbeddings,
        boolean qkvBias,
        Llama3Rope ropeScaling,
        String tokenizer) {

    /** llama3 RoPE scaling parameters ({@code rope_scaling} in the Hugging Face config). */
    public record Llama3Rope(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {}

    public ModelShape {
        if (!architecture.equals("llama") && !architecture.equals("qwen2"))
            throw new IllegalArgumentException("architecture '" + architecture + "' is not one of: llama, qwen2");
        if (!tokenizer.equals("llama3") && !tokenizer.equals("qwen2"))
            throw new IllegalArgumentException("tokenizer '" + tokenizer + "' is not one of: llama3, qwen2");
        positive("layers", layers);
        positive("dim", dim);
        positive("heads", heads);
        positive("kv_heads", kvHeads);
        positive("head_dim", headDim);
        positive("ffn", ffn);
        positive("context", contextLength);
        if (heads % kvHeads != 0) throw new IllegalArgumentException("kv_heads = " + kvHeads + " must divide heads = " + heads);
        if (headDim % 2 != 0) throw new IllegalArgumentException("head_dim = " + headDim + " must be even");
        if (dim % 32 != 0 || ffn % 32 != 0 || heads * headDim % 32 != 0)
            throw new IllegalArgumentException("dim (" + dim + "), ffn (" + ffn + ") and heads*head_dim (" + heads * headDim + ") must be multiples of 32 (the quantisation block)");
        int minVocab = tokenizer.equals("llama3") ? 256 + 256 + 1 : 256 + 22 + 1;
        if (vocab < minVocab) throw new IllegalArgumentException("vocab = " + vocab + " is too small for the " + tokenizer + " tokenizer (at least " + minVocab + ")");
    }

    private static void positive(String key, int v) {
        if (v <= 0) throw new IllegalArgumentException(key + " = " + v + " must be positive");
    }

    public int qDim() { return heads * headDim; }
    public int kvDim() { return kvHeads * headDim; }

    /** Number of weights (every tensor element). */
    public long parameters() {
        long perLayer = 2L * dim + (long) qDim() * dim + 2L * kvDim() * dim + (long) dim * qDim() + 3L * dim * ffn;
        if (qkvBias) perLayer += qDim() + 2L * kvDim();
        long p = (long) layers * perLayer + (long) vocab * dim + dim;
        if (!tiedEmbeddings) p += (long) vocab * dim;
        if (ropeScaling != null) p += headDim / 2;
        return p;
    }

    static final Llama3Rope LLAMA_32_ROPE = new Llama3Rope(32f, 1f, 4f, 8192);
    static final Llama3Rope LLAMA_31_ROPE = new Llama3Rope(8f, 1f, 4f, 8192);

    /** Meta's Llama-3.2-1B (tied embeddings, llama3 RoPE scaling). */
    public static final ModelShape LLAMA_32_1B = new ModelShape("llama-3.2-1b", "Llama 3.2 1B", "llama",
            16, 2048, 32, 8, 64, 8192, 128256, 131072, 500000f, 1e-5f, true, false, LLAMA_32_ROPE, "llama3");
    /** Meta's Llama-3.1-8B. */
    public static final ModelShape LLAMA_31_8B = new ModelShape("llama-3.1-8b", "Llama 3.1 8B", "llama",
            32, 4096, 32, 8, 128, 14336, 128256, 131072, 500000f, 1e-5f, false, false, LLAMA_31_ROPE, "llama3");
    /** Alibaba's Qwen2.5-0.5B (tied embeddings, Q/K/V biases, NEOX RoPE). */
    public static final ModelShape QWEN_25_05B = new ModelShape("qwen2.5-0.5b", "Qwen2.5 0.5B", "qwen2",
            24, 896, 14, 2, 64, 4864, 151936, 32768, 1000000f, 1e-6f, true, true, null, "qwen2");

    public static final List<ModelShape> PRESETS = List.of(LLAMA_32_1B, QWEN_25_05B, LLAMA_31_8B);

    /** Keys accepted after {@code custom:}. */
    static final List<String> CUSTOM_KEYS = List.of("base", "arch", "layers", "dim", "heads", "kv_heads", "head_dim",
            "ffn", "vocab", "context", "rope_theta", "rms_eps", "tied", "bias", "llama3_rope", "tokenizer", "name");

    /**
     * Parses a preset name or {@code custom:key=value,...}. A custom shape starts from {@code base} (default
     * {@code llama-3.2-1b}) and overrides the given keys; see {@link #CUSTOM_KEYS}.
     */
    public static ModelShape parse(String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        for (ModelShape p : PRESETS) if (p.name.equals(s)) return p;
        if (!s.startsWith("custom:"))
            throw new IllegalArgumentException("unknown shape '" + spec + "' (presets: " + presetNames() + ", or custom:key=value,... with keys " + CUSTOM_KEYS + ")");
        Map<String, String> kv = new LinkedHashMap<>();
        String body = spec.trim().substring("custom:".length());
        if (!body.isBlank()) {
            for (String part : body.split(",")) {
                int eq = part.indexOf('=');
                if (eq <= 0) throw new IllegalArgumentException("shape '" + spec + "': '" + part + "' is not key=value");
                String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                if (!CUSTOM_KEYS.contains(key)) throw new IllegalArgumentException("shape '" + spec + "': unknown key '" + key + "' (keys: " + CUSTOM_KEYS + ")");
                kv.put(key, part.substring(eq + 1).trim());
            }
        }
        ModelShape b = LLAMA_32_1B;
        if (kv.containsKey("base")) {
            String bn = kv.get("base").toLowerCase(Locale.ROOT);
            b = PRESETS.stream().filter(p -> p.name.equals(bn)).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("shape '" + spec + "': base '" + bn + "' is not a preset (" + presetNames() + ")"));
        }
        String arch = kv.getOrDefault("arch", b.architecture);
        int dim = intKey(spec, kv, "dim", b.dim);
        int heads = intKey(spec, kv, "heads", b.heads);
        int headDim = intKey(spec, kv, "head_dim", kv.containsKey("dim") || kv.containsKey("heads") ? dim / Math.max(1, heads) : b.headDim);
        boolean llama3 = boolKey(spec, kv, "llama3_rope", b.ropeScaling != null);
        String tokenizer = kv.getOrDefault("tokenizer", kv.containsKey("arch") ? (arch.equals("qwen2") ? "qwen2" : "llama3") : b.tokenizer);
        return new ModelShape("custom", kv.getOrDefault("name", "Custom " + arch), arch,
                intKey(spec, kv, "layers", b.layers), dim, heads,
                intKey(spec, kv, "kv_heads", b.kvHeads), headDim,
                intKey(spec, kv, "ffn", b.ffn),
                intKey(spec, kv, "vocab", b.vocab),
                intKey(spec, kv, "context", b.contextLength),
                floatKey(spec, kv, "rope_theta", b.ropeTheta),
                floatKey(spec, kv, "rms_eps", b.rmsEps),
                boolKey(spec, kv, "tied", b.tiedEmbeddings),
                boolKey(spec, kv, "bias", kv.containsKey("arch") ? arch.equals("qwen2") : b.qkvBias),
                llama3 ? (b.ropeScaling != null ? b.ropeScaling : LLAMA_32_ROPE) : null,
                tokenizer);
    }

    static String presetNames() {
        return String.join(", ", PRESETS.stream().map(ModelShape::name).toList());
    }

    private static int intKey(String spec, Map<String, String> kv, String key, int dflt) {
        String v = kv.get(key);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape '" + spec + "': " + key + " = '" + v + "' is not an integer");
        }
    }

    private static float floatKey(String spec, Map<String, String> kv, String key, float dflt) {
        String v = kv.get(key);
        if (v == null) return dflt;
        try {
            return Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape '" + spec + "': " + key + " = '" + v + "' is not a number");
        }
    }

    private static boolean boolKey(String spec, Map<String, String> kv, String key, boolean dflt) {
        String v = kv.get(key);
        if (v == null) return dflt;
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException("shape '" + spec + "': " + key + " = '" + v + "' is not true or false");
        };
    }
}
