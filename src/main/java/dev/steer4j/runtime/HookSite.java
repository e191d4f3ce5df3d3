package dev.steer4j.runtime;

import dev.steer4j.model.ModelConfig;

/**
 * Where in the forward pass a hook runs. Names follow TransformerLens: {@code hook_embed},
 * {@code blocks.L.hook_resid_pre|hook_attn_out|hook_resid_mid|hook_mlp_out|hook_resid_post},
 * {@code blocks.L.attn.hook_q|hook_k|hook_v|hook_z|hook_pattern}, {@code blocks.L.mlp.hook_post} and
 * {@code ln_final.hook_normalized}. Each name means the same in every family (see docs/models.md).
 */
public enum HookSite {
    /** What enters the residual stream before block 0: token embedding (× √n_embd for Gemma, + position for GPT-2). */
    EMBED("hook_embed", false),
    /** Input of block L (width n_embd). */
    RESID_PRE("hook_resid_pre", true),
    /** Queries of block L after projection and bias (and Q norm), before RoPE: n_head × head_dim. */
    Q("attn.hook_q", true),
    /** Keys after projection and bias (and K norm), before RoPE: n_kv_head × head_dim. */
    K("attn.hook_k", true),
    /** Values: n_kv_head × head_dim. */
    V("attn.hook_v", true),
    /**
     * Attention probabilities after soft-cap, mask and softmax: per query row, n_head blocks of n_keys values
     * (n_keys = the sequence's length at the end of this step; masked keys are 0). Writes are used by the value sum.
     */
    PATTERN("attn.hook_pattern", true),
    /** Per-head attention result before the output projection: n_head × head_dim. */
    Z("attn.hook_z", true),
    /** What block L's attention adds to the residual stream (after the output bias and any post-attention norm). */
    ATTN_OUT("hook_attn_out", true),
    /** Residual stream after the attention add. */
    RESID_MID("hook_resid_mid", true),
    /** MLP neurons: the activation (× up for gated MLPs), the input of ffn_down (width n_ff). */
    MLP_POST("mlp.hook_post", true),
    /** What block L's MLP adds to the residual stream (after the down bias and any post-FFN norm). */
    MLP_OUT("hook_mlp_out", true),
    /** Residual stream after block L (llama.cpp's l_out, where control vectors apply). */
    RESID_POST("hook_resid_post", true),
    /** Output of the final norm, the input of the unembedding. */
    FINAL_NORM("ln_final.hook_normalized", false);

    public final String suffix;
    public final boolean perLayer;

    HookSite(String suffix, boolean perLayer) {
        this.suffix = suffix;
        this.perLayer = perLayer;
    }

    /** The per-layer sites in the short form error messages list. */
    public static final String PER_LAYER_FORMS = "resid_pre, attn_out, resid_mid, mlp_out, resid_post, attn.hook_q, attn.hook_k, "
            + "attn.hook_v, attn.hook_z, attn.hook_pattern or mlp.hook_post (hook_ prefix and blocks.L. form also accepted)";

    /**
     * The one reader of a per-layer hook site, as every command and the server take it: {@code resid_post},
     * {@code hook_resid_post} and {@code blocks.L.hook_resid_post} are the same site (the layer of the last form is
     * the caller's business: {@link HookPoint#parse}). Case and surrounding blanks are ignored.
     *
     * @throws IllegalArgumentException naming the value and the valid forms
     */
    public static HookSite parsePerLayer(String name) {
        String k = name == null ? "" : name.trim().toLowerCase(java.util.Locale.ROOT);
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("blocks\\.-?\\d+\\.(.+)").matcher(k);
        if (m.matches()) k = m.group(1);
        for (HookSite h : values()) {
            if (!h.perLayer) continue;
            String shortName = h.suffix.startsWith("hook_") ? h.suffix.substring(5) : h.suffix;
            if (k.equals(h.suffix) || k.equals(shortName)) return h;
        }
        throw new IllegalArgumentException("unknown hook site '" + name + "' (valid: " + PER_LAYER_FORMS + ")");
    }

    /** True for the sites whose rows are written into the residual stream (embedding, attention and MLP outputs). */
    public boolean writesResidual() {
        return this == EMBED || this == ATTN_OUT || this == MLP_OUT;
    }

    /** True for the sites of width n_embd (the residual stream and what is written to it), where vectors apply. */
    public boolean residualWidth() {
        return this != Q && this != K && this != V && this != PATTERN && this != Z && this != MLP_POST;
    }

    /** Row width at this site, or -1 for {@link #PATTERN} (n_head × the number of keys, which grows). */
    public int width(ModelConfig c) {
        return switch (this) {
            case Q, Z -> c.qDim();
            case K, V -> c.kvDim();
            case MLP_POST -> c.ffnDim();
            case PATTERN -> -1;
            default -> c.dim();
        };
    }
}
