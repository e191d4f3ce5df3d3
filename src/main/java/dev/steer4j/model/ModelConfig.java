package dev.steer4j.model;

import dev.steer4j.format.gguf.GGUFFile;

/**
 * Hyper-parameters of a model, read from GGUF metadata ({@code <arch>.block_count} and friends).
 *
 * @param ropeFreqFactors     per-dimension-pair RoPE divisors (llama3's {@code rope_freqs}, Phi-3's
 *                            {@code rope_factors_short}), or null
 * @param ropeFreqScale       linear RoPE position scale (1 / rope.scaling.factor for linear scaling, else 1)
 * @param rmsEps              the epsilon of every norm (RMSNorm, or LayerNorm for GPT-2)
 * @param attnSoftcap         attention-score soft-cap {@code cap·tanh(s/cap)}, or 0 for none
 * @param finalSoftcap        final-logit soft-cap, or 0 for none
 * @param slidingWindow       the window of windowed layers ({@link Family#windowed(int)}), or 0 for none
 * @param queryScale          the factor of q·k before the soft-cap and softmax
 * @param ropeAttnFactor      multiplies RoPE's cos and sin ({@code rope.scaling.attn_factor}), 1 when absent
 * @param ropeFreqFactorsLong Phi-3's {@code rope_factors_long}, used when a sequence may exceed
 *                            {@code ropeOriginalContext}, or null
 * @param ropeOriginalContext {@code rope.scaling.original_context_length}, or 0
 * @param ropeThetaLocal      the RoPE base of windowed layers when the family gives them their own, else ropeTheta
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
        float rmsEps,
        float attnSoftcap,
        float finalSoftcap,
        int slidingWindow,
        float queryScale,
        float ropeAttnFactor,
        float[] ropeFreqFactorsLong,
        int ropeOriginalContext,
        float ropeThetaLocal) {

    public int qDim() { return heads * headDim; }
    public int kvDim() { return kvHeads * headDim; }
    public Family family() { return architecture.family; }

    /** The window of layer L's attention, or 0 when it sees the whole causal context. */
    public int window(int layer) {
        return slidingWindow > 0 && family().windowed(layer) ? slidingWindow : 0;
    }

    /** RoPE base of layer L. */
    public float ropeTheta(int layer) {
        return family().windowed(layer) && family().localRopeBase() > 0 ? ropeThetaLocal : ropeTheta;
    }

    public static ModelConfig fromGGUF(GGUFFile f, float[] ropeFreqFactors, int vocabFromTensor) {
        return fromGGUF(f, ropeFreqFactors, null, vocabFromTensor);
    }

    public static ModelConfig fromGGUF(GGUFFile f, float[] ropeFreqFactors, float[] ropeFreqFactorsLong, int vocabFromTensor) {
        String archName = f.requireString("general.architecture");
        Architecture arch = Architecture.fromGGUF(f.path(), archName);
        Family fam = arch.family;
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
        int valueLength = f.getInt(p + "attention.value_length", headDim);
        if (valueLength != headDim)
            throw new ModelException(f.path() + ": " + p + "attention.value_length = " + valueLength + " differs from key_length = " + headDim + " (not supported)");
        if (fam.positions().rotary()) {
            int nRot = f.getInt(p + "rope.dimension_count", headDim);
            if (nRot != headDim)
                throw new ModelException(f.path() + ": " + p + "rope.dimension_count = " + nRot + " but the head dimension is " + headDim + " (partial rotary embeddings are not supported)");
        }
        int ffn = positive(f, p + "feed_forward_length");
        if ((long) heads * headDim > ModelChecks.MAX_DIMENSION)
            throw new ModelException(f.path() + ": head_count " + heads + " × head dimension " + headDim + " is too large");
        int ctx = ModelChecks.dimension(f, p + "context_length", f.getLong(p + "context_length", 2048));
        float theta = ModelChecks.finite(f, p + "rope.freq_base", f.getFloat(p + "rope.freq_base", 10000f), false);
        String epsKey = fam.norm() == Family.Norm.LAYER ? p + "attention.layer_norm_epsilon" : p + "attention.layer_norm_rms_epsilon";
        float eps = ModelChecks.finite(f, epsKey, f.getFloat(epsKey, 1e-5f), true);
        float freqScale = 1f;
        String scalingType = f.getString(p + "rope.scaling.type", "none");
        if ("linear".equals(scalingType)) {
            float factor = ModelChecks.finite(f, p + "rope.scaling.factor", f.getFloat(p + "rope.scaling.factor", 1f), false);
            if (factor > 0) freqScale = 1f / factor;
        }
        for (float[] ff : new float[][]{ropeFreqFactors, ropeFreqFactorsLong})
            if (ff != null && ff.length != headDim / 2)
                throw new ModelException(f.path() + ": the RoPE frequency factors have " + ff.length + " values, expected head_dim/2 = " + headDim / 2);
        int vocab = f.getInt(p + "vocab_size", vocabFromTensor);
        if (ropeFreqFactors != null) ModelChecks.finiteValues(f, "rope_freqs.weight", ropeFreqFactors);
        String name = f.getString("general.name", f.path() == null ? archName : f.path().getFileName().toString());

        float attnCap = fam.softCaps() ? f.getFloat(p + "attn_logit_softcapping", 0f) : 0f;
        float finalCap = fam.softCaps() ? f.getFloat(p + "final_logit_softcapping", 0f) : 0f;
        int window = fam.windowPattern() >= 0 ? f.getInt(p + "attention.sliding_window", 0) : 0;
        if (window < 0) throw new ModelException(f.path() + ": " + p + "attention.sliding_window = " + window + " must not be negative");
        float qScale = (float) (1.0 / Math.sqrt(headDim));
        if (fam.queryScale() == Family.QueryScale.GEMMA && (layers == 46 && arch == Architecture.GEMMA2 || layers == 62 && arch == Architecture.GEMMA3))
            qScale = (float) (1.0 / Math.sqrt((double) (dim / heads)));
        qScale = f.getFloat(p + "attention.scale", qScale);
        float attnFactor = f.getFloat(p + "rope.scaling.attn_factor", 1f);
        int origCtx = f.getInt(p + "rope.scaling.original_context_length", 0);
        float thetaLocal = fam.localRopeBase() > 0 ? f.getFloat(p + "rope.freq_base_swa", fam.localRopeBase()) : theta;
        return new ModelConfig(arch, name, layers, dim, heads, kvHeads, headDim, ffn, vocab, ctx, theta, freqScale, ropeFreqFactors, eps,
                attnCap, finalCap, window, qScale, attnFactor, ropeFreqFactorsLong, origCtx, thetaLocal);
    }

    private static int positive(GGUFFile f, String key) {
        return ModelChecks.dimension(f, key, f.requireLong(key));
    }
}
