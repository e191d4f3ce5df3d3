package dev.steer4j.model;

import dev.steer4j.tensor.WeightMatrix;

/**
 * The weights of one transformer block, in one layout for every family: fused tensors ({@code attn_qkv}, Phi-3's
 * {@code ffn_up}) are split at load time into row slices of the mapped file, so {@code wq}, {@code wk}, {@code wv},
 * {@code ffnGate} and {@code ffnUp} always exist apart from {@code ffnGate} of an ungated MLP. Every other field is
 * null when the family or the file has no such tensor.
 *
 * @param attnNormBias  LayerNorm bias of {@code attn_norm} (GPT-2)
 * @param qNorm         per-head RMSNorm weights of Q ({@code attn_q_norm}, width head_dim)
 * @param kNorm         per-head RMSNorm weights of K
 * @param bo            {@code attn_output.bias}
 * @param postAttnNorm  {@code post_attention_norm} (Gemma's sandwich)
 * @param ffnNormBias   LayerNorm bias of {@code ffn_norm}
 * @param bUp           {@code ffn_up.bias}
 * @param bDown         {@code ffn_down.bias}
 * @param postFfnNorm   {@code post_ffw_norm}
 */
public record LayerWeights(
        float[] attnNorm,
        WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
        float[] bq, float[] bk, float[] bv,
        float[] ffnNorm,
        WeightMatrix ffnGate, WeightMatrix ffnUp, WeightMatrix ffnDown,
        float[] attnNormBias, float[] qNorm, float[] kNorm, float[] bo, float[] postAttnNorm,
        float[] ffnNormBias, float[] bUp, float[] bDown, float[] postFfnNorm) {

    /** The Llama/Qwen2 block: no extras. */
    public LayerWeights(float[] attnNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                        float[] bq, float[] bk, float[] bv, float[] ffnNorm,
                        WeightMatrix ffnGate, WeightMatrix ffnUp, WeightMatrix ffnDown) {
        this(attnNorm, wq, wk, wv, wo, bq, bk, bv, ffnNorm, ffnGate, ffnUp, ffnDown,
                null, null, null, null, null, null, null, null, null);
    }
}
