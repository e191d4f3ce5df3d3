package dev.steer4j.model;

import dev.steer4j.format.gguf.GGUFFile;

/**
 * Hyper-parameters of a model, read from GGUF metadata ({@code <arch>.block_count} and friends).
 *
 * @param ropeFreqFactors per-dimension-pair RoPE divisors (llama3 scaling's {@code rope_freqs}), or null
 * @param ropeFreqScale   linear RoPE position scale (1 / rope.scaling.factor for linear scaling, else 1)
 */
public record ModelConfig(
        Architecture architecture,
        String name,
        int layers,
        int dim,
        int heads,
        int kvHeads,
        int headDim,
        int ffnDim,
        int vocabSize,
        int contextLength,
        float ropeTheta,
        float ropeFreqScale,
        float[] ropeFreqFactors,
        float rmsEps) {

    public int qDim() { return heads * headDim; }
    public int kvDim() { return kvHeads * headDim; }

    public static ModelConfig fromGGUF(GGUFFile f, float[] ropeFreqFactors, int vocabFromTensor) {
        String archName = f.requireString("general.architecture");
        Architecture arch = Architecture.fromGGUF(f.path(), archName);
        String p = archName + ".";
        int layers = positive(f, p + "block_count");
        int dim = positive(f, p + "embedding_length");
        int heads = positive(f, p + "attention.head_count");
        int kvHeads = f.getInt(p + "attention.head_count_kv", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new ModelException(f.path() + ": " + p + "attention.head_count_kv = " + kvHeads + " must divide head_count = " + heads);
        int headDim = f.getInt(p + "attention.key_length", dim / heads);
        if (headDim <= 0 || headDim % 2 != 0) throw new ModelException(f.path() + ": head dimension " + headDim + " must be positive and even");
        int ffn = positive(f, p + "feed_forward_length");
        int ctx = f.getInt(p + "context_length", 2048);
        float theta = f.getFloat(p + "rope.freq_base", 10000f);
        float eps = f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f);
        float freqScale = 1f;
        String scalingType = f.getString(p + "rope.scaling.type", "none");
        if ("linear".equals(scalingType)) {
            float factor = f.getFloat(p + "rope.scaling.factor", 1f);
            if (factor > 0) freqScale = 1f / factor;
        }
        if (ropeFreqFactors != null && ropeFreqFactors.length != headDim / 2)
            throw new ModelException(f.path() + ": tensor 'rope_freqs.weight' has " + ropeFreqFactors.length + " values, expected head_dim/2 = " + headDim / 2);
        int vocab = f.getInt(p + "vocab_size", vocabFromTensor);
        String name = f.getString("general.name", f.path().getFileName().toString());
        return new ModelConfig(arch, name, layers, dim, heads, kvHeads, headDim, ffn, vocab, ctx, theta, freqScale, ropeFreqFactors, eps);
    }

    private static int positive(GGUFFile f, String key) {
        int v = f.requireInt(key);
        if (v <= 0) throw new ModelException(f.path() + ": metadata '" + key + "' = " + v + " must be positive");
        return v;
    }
}
