package dev.steer4j.runtime;

/**
 * Where in the forward pass a hook runs. Names follow TransformerLens: {@code hook_embed},
 * {@code blocks.L.hook_resid_pre|hook_attn_out|hook_resid_mid|hook_mlp_out|hook_resid_post} and
 * {@code ln_final.hook_normalized}.
 */
public enum HookSite {
    /** Token embeddings, before block 0 (width n_embd). */
    EMBED("hook_embed", false),
    /** Input of block L (width n_embd). */
    RESID_PRE("hook_resid_pre", true),
    /** Attention output of block L after the output projection, before it is added to the residual stream. */
    ATTN_OUT("hook_attn_out", true),
    /** Residual stream after the attention add. */
    RESID_MID("hook_resid_mid", true),
    /** MLP output of block L, before it is added to the residual stream. */
    MLP_OUT("hook_mlp_out", true),
    /** Residual stream after block L (llama.cpp's l_out, where control vectors apply). */
    RESID_POST("hook_resid_post", true),
    /** Output of the final RMSNorm, the input of the unembedding. */
    FINAL_NORM("ln_final.hook_normalized", false);

    public final String suffix;
    public final boolean perLayer;

    HookSite(String suffix, boolean perLayer) {
        this.suffix = suffix;
        this.perLayer = perLayer;
    }

    /** True for the sites whose rows are written into the residual stream (embedding, attention and MLP outputs). */
    public boolean writesResidual() {
        return this == EMBED || this == ATTN_OUT || this == MLP_OUT;
    }
}
