package dev.steer4j.train;

import dev.steer4j.train.grad.Tape;
import dev.steer4j.train.grad.Tensor;

/**
 * Where a training method plugs into the differentiable forward pass. Each default does nothing, so a method
 * overrides only what it trains: a steering vector edits {@link #residPost}, ReFT edits it at chosen positions,
 * LoRA adds to {@link #linear} outputs, and RMU swaps whole matrices for trainable copies via {@link #weight}.
 * Weight names are the GGUF ones without block prefix and suffix: attn_q, attn_k, attn_v, attn_output, ffn_gate,
 * ffn_up, ffn_down.
 */
public interface TrainingHooks {
    TrainingHooks NONE = new TrainingHooks() {};

    /** The residual stream after block {@code layer} (TransformerLens blocks.L.hook_resid_post), possibly edited. */
    default Tensor residPost(Tape tape, int layer, Tensor resid) { return resid; }

    /** The output {@code out} of weight {@code weight} in block {@code layer} applied to {@code in}, possibly edited. */
    default Tensor linear(Tape tape, int layer, String weight, Tensor in, Tensor out) { return out; }

    /** A trainable replacement (out × in) for a model matrix, or null to use the frozen, mmapped one. */
    default Tensor weight(Tape tape, int layer, String weight) { return null; }
}
