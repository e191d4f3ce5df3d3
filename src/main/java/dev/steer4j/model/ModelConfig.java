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
        ModelChecks.blockCount(f, p + "block_count", layers);
        int dim = positive(f, p + "embedding_length");
        int heads = positive(f, p + "attention.head_count");
        if (heads > dim) throw new ModelException(f.path() + ": metadata '" + p + "attention.head_count' = " + heads + " exceeds embedding_length = " + dim);
        int kvHeads = f.getInt(p + "attention.head_count_kv", heads);
        if (kvHeads <= 0 || heads % kvHeads != 0)
            throw new ModelException(f.path() + ": " + p + "attention.head_count_kv = " + kvHeads + " must divide head_count = " + heads);
        int headDim = f.getInt(p + "attention.key_length", dim / heads);
        if (headDim <= 0 || headDim % 2 != 0) throw new ModelException(f.path() + ": head dimension " + headDim + " must be positive and even");
        int ffn = positive(f, p + "feed_forward_length");
        if ((long) heads * headDim > ModelChecks.MAX_DIMENSION)
            throw new ModelException(f.path() + ": head_count " + heads + " × head dimension " + headDim + " is too large");
        int ctx = ModelChecks.dimension(f, p + "context_length", f.getLong(p + "context_length", 2048));
        float theta = ModelChecks.finite(f, p + "rope.freq_base", f.getFloat(p + "rope.freq_base", 10000f), false);
        float eps = ModelChecks.finite(f, p + "attention.layer_norm_rms_epsilon", f.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f), true);
        float freqScale = 1f;
        String scalingType = f.getString(p + "rope.scaling.type", "none");
        if ("linear".equals(scalingType)) {
            float factor = ModelChecks.finite(f, p + "rope.scaling.factor", f.getFloat(p + "rope.scaling.factor", 1f), false);
            if (factor > 0) freqScale = 1f / factor;
        }
        if (ropeFreqFactors != null && ropeFreqFactors.length != headDim / 2)
            throw new ModelException(f.path() + ": tensor 'rope_freqs.weight' has " + ropeFreqFactors.length + " values, expected head_dim/2 = " + headDim / 2);
        int vocab = f.getInt(p + "vocab_size", vocabFromTensor);
        if (ropeFreqFactors != null) ModelChecks.finiteValues(f, "rope_freqs.weight", ropeFreqFactors);
        String name = f.getString("general.name", f.path().getFileName().toString());
        return new ModelConfig(arch, name, layers, dim, heads, kvHeads, headDim, ffn, vocab, ctx, theta, freqScale, ropeFreqFactors, eps);
    }

    private static int positive(GGUFFile f, String key) {
        return ModelChecks.dimension(f, key, f.requireLong(key));
    }
}
