package dev.steer4j.model;

/**
 * What makes one transformer family different from another, as a small description the loader and the forward pass
 * read. Every family is the same pre-norm block ({@code x += attn(norm(x)); x += mlp(norm(x))}); the fields say
 * which norm, which positions, which tensors are fused, which extras (biases, Q/K norms, post-norms, soft-caps,
 * sliding windows) apply. The descriptions themselves live in {@link Architecture}: adding a family is one entry
 * there (see docs/models.md).
 *
 * @param norm           RMSNorm or LayerNorm (with bias) for every norm of the model
 * @param positions      rotary (adjacent pairs or NEOX halves) or learned absolute embeddings
 * @param fusedQkv       one {@code attn_qkv} tensor whose output rows are Q, then K, then V
 * @param qkvBias        Q/K/V biases are loaded when the file has them
 * @param outputBiases   {@code attn_output.bias}, {@code ffn_up.bias}, {@code ffn_down.bias} (GPT-2)
 * @param qkNorm         per-head RMSNorm of Q and K before RoPE ({@code attn_q_norm}, {@code attn_k_norm})
 * @param mlp            the MLP's activation and gating
 * @param fusedGateUp    one {@code ffn_up} tensor of 2·n_ff outputs: the gate, then the up projection
 * @param residual       where norms sit around the two sub-blocks
 * @param scaleEmbedding the token embedding is multiplied by √n_embd (the LM head is not)
 * @param softCaps       the file's {@code attn_logit_softcapping} and {@code final_logit_softcapping} apply
 * @param windowPattern  which layers use {@code attention.sliding_window}: -1 none, 0 every layer, n: layer L is
 *                       windowed when {@code L % n < n - 1} (llama.cpp's swa pattern; 2 = even layers)
 * @param queryScale     how the attention scale is chosen
 * @param localRopeBase  the RoPE base of windowed (local) layers when they differ from global ones (Gemma 3), else 0
 * @param ropeFactors    which per-pair RoPE frequency divisors the file may carry
 * @param tiedHead       the LM head is always {@code token_embd} (llama.cpp ignores, and refuses, an {@code output.weight})
 */
public record Family(
        Norm norm,
        Positions positions,
        boolean fusedQkv,
        boolean qkvBias,
        boolean outputBiases,
        boolean qkNorm,
        Mlp mlp,
        boolean fusedGateUp,
        Residual residual,
        boolean scaleEmbedding,
        boolean softCaps,
        int windowPattern,
        QueryScale queryScale,
        float localRopeBase,
        RopeFactors ropeFactors,
        boolean tiedHead) {

    public enum Norm { RMS, LAYER }

    public enum Positions {
        /** ggml's normal RoPE: pairs (2i, 2i+1). */
        ROPE_ADJACENT,
        /** ggml's NEOX RoPE: pairs (i, i + d/2). */
        ROPE_NEOX,
        /** {@code position_embd} rows added to the token embedding; no rotary embedding. */
        LEARNED;

        public boolean rotary() { return this != LEARNED; }
    }

    public enum Mlp {
        /** down(silu(gate) · up) */
        SWIGLU,
        /** down(gelu_tanh(gate) · up) */
        GEGLU,
        /** down(gelu_tanh(up)), no gate */
        GELU
    }

    public enum Residual {
        /** x += attn(norm(x)); x += mlp(norm(x)) */
        PRE_NORM,
        /** Gemma's sandwich: x += norm(attn(norm(x))); x += norm(mlp(norm(x))) with post_attention_norm, post_ffw_norm */
        SANDWICH
    }

    public enum QueryScale {
        /** 1/√head_dim, or {@code {arch}.attention.scale} when the file has it. */
        HEAD_DIM,
        /**
         * Gemma 2/3 as llama.cpp decides it: 1/√(n_embd/n_head) for the 27B models (46 layers for Gemma 2, 62 for
         * Gemma 3), else 1/√head_dim; {@code {arch}.attention.scale} wins when present.
         */
        GEMMA
    }

    public enum RopeFactors {
        /** none, or llama 3's {@code rope_freqs.weight} when present */
        LLAMA3,
        /**
         * Phi-3's {@code rope_factors_long} / {@code rope_factors_short}: llama.cpp takes the long ones only when the
         * context it runs with exceeds {@code rope.scaling.original_context_length}; here, the sequence's length bound
         */
        LONG_SHORT
    }

    /** A Llama-shaped description to start from: RMSNorm, adjacent-pair RoPE, separate Q/K/V, SwiGLU, no extras. */
    public static Builder llamaLike() { return new Builder(); }

    public boolean windowed(int layer) {
        if (windowPattern < 0) return false;
        if (windowPattern == 0) return true;
        return layer % windowPattern < windowPattern - 1;
    }

    /** Fluent construction of a description, so that each family reads as the list of its differences. */
    public static final class Builder {
        private Norm norm = Norm.RMS;
        private Positions positions = Positions.ROPE_ADJACENT;
        private boolean fusedQkv, qkvBias, outputBiases, qkNorm, fusedGateUp, scaleEmbedding, softCaps;
        private Mlp mlp = Mlp.SWIGLU;
        private Residual residual = Residual.PRE_NORM;
        private int windowPattern = -1;
        private QueryScale queryScale = QueryScale.HEAD_DIM;
        private float localRopeBase;
        private RopeFactors ropeFactors = RopeFactors.LLAMA3;
        private boolean tiedHead;

        public Builder norm(Norm n) { norm = n; return this; }
        public Builder positions(Positions p) { positions = p; return this; }
        public Builder fusedQkv() { fusedQkv = true; return this; }
        public Builder qkvBias() { qkvBias = true; return this; }
        public Builder outputBiases() { outputBiases = true; return this; }
        public Builder qkNorm() { qkNorm = true; return this; }
        public Builder mlp(Mlp m) { mlp = m; return this; }
        public Builder fusedGateUp() { fusedGateUp = true; return this; }
        public Builder residual(Residual r) { residual = r; return this; }
        public Builder scaleEmbedding() { scaleEmbedding = true; return this; }
        public Builder softCaps() { softCaps = true; return this; }
        public Builder window(int pattern) { windowPattern = pattern; return this; }
        public Builder queryScale(QueryScale q) { queryScale = q; return this; }
        public Builder localRopeBase(float base) { localRopeBase = base; return this; }
        public Builder ropeFactors(RopeFactors f) { ropeFactors = f; return this; }
        public Builder tiedHead() { tiedHead = true; return this; }

        public Family build() {
            return new Family(norm, positions, fusedQkv, qkvBias, outputBiases, qkNorm, mlp, fusedGateUp, residual,
                    scaleEmbedding, softCaps, windowPattern, queryScale, localRopeBase, ropeFactors, tiedHead);
        }
    }
}
