package dev.steer4j.read;

import dev.steer4j.model.Model;
import dev.steer4j.tensor.ThreadPool;
import dev.steer4j.tensor.VectorMath;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;

/**
 * The logit lens of a direction: the direction is put through the model's final RMSNorm and unembedding as if it
 * were a residual-stream state, {@code logits = W_U · norm(v)} (with the family's norm and final soft-cap). The tokens with the largest logits are the ones
 * the direction promotes, the smallest the ones it suppresses. (RMSNorm's scale is the same for every token, so the
 * ranking depends only on the direction, not on its length.)
 */
public final class LogitLens {
    /** The lens of one direction: its logits over the vocabulary and the extremes. */
    public record Result(float[] logits, List<TokenScore> promoted, List<TokenScore> suppressed) {}

    private LogitLens() {}

    /** Logits of a residual-stream vector (through the final norm and unembedding). */
    public static float[] logits(Model model, float[] residual) {
        return dev.steer4j.runtime.ForwardPass.unembed(model, residual);
    }

    /** The {@code k} most promoted and most suppressed tokens of {@code direction}. */
    public static Result lens(Model model, float[] direction, int k) {
        if (k <= 0) throw new IllegalArgumentException("k must be positive, got " + k);
        float[] logits = logits(model, direction);
        Tokenizer tok = model.tokenizer();
        return new Result(logits, pick(tok, logits, k, true), pick(tok, logits, k, false));
    }

    private static List<TokenScore> pick(Tokenizer tok, float[] logits, int k, boolean largest) {
        List<TokenScore> out = new ArrayList<>();
        for (int id : Tokens.top(logits, 0, logits.length, k, largest)) out.add(new TokenScore(id, Tokens.text(tok, id), logits[id]));
        return out;
    }
}
