package dev.steer4j.model;

import dev.steer4j.util.SafeText;
import dev.steer4j.format.gguf.GGUFFile;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Load-time checks of a model's numbers that the tensor shapes alone do not catch: a count too large for the
 * file before anything is sized by it, non-finite hyper-parameters and norm weights, blocks beyond block_count, and a
 * tokenizer that does not match the embedding. Each failure is a {@link ModelException} naming the file, the key or
 * tensor and the value; llama.cpp refuses the same files or produces garbage from them.
 */
public final class ModelChecks {
    /** Upper bound for a dimension or count read from metadata (2^24 = 16M). */
    public static final int MAX_DIMENSION = 1 << 24;
    private static final Pattern BLOCK = Pattern.compile("blk\\.(\\d{1,9})\\.");

    private ModelChecks() {}

    /** {@code block_count} must fit the tensors the file holds, and no tensor may belong to a block past it. */
    static void blockCount(GGUFFile f, String key, int layers) {
        int tensors = f.tensors().size();
        if (layers > tensors)
            throw new ModelException(f.path() + ": metadata '" + key + "' = " + layers + " but the file has only " + tensors
                    + " tensors (each block needs several)");
        for (String name : f.tensors().keySet()) {
            Matcher m = BLOCK.matcher(name);
            if (m.lookingAt() && Long.parseLong(m.group(1)) >= layers)
                throw new ModelException(f.path() + ": tensor " + SafeText.quoted(name) + " belongs to block " + m.group(1)
                        + " but metadata '" + key + "' = " + layers + " (blocks 0.." + (layers - 1) + "); llama.cpp refuses unused tensors too");
        }
    }

    /** A dimension or count in 1..{@link #MAX_DIMENSION}. */
    static int dimension(GGUFFile f, String key, long v) {
        if (v <= 0 || v > MAX_DIMENSION)
            throw new ModelException(f.path() + ": metadata '" + key + "' = " + v + " must be in 1.." + MAX_DIMENSION);
        return (int) v;
    }

    /** A hyper-parameter that must be finite and positive (or, with {@code zeroOk}, non-negative). */
    static float finite(GGUFFile f, String key, float v, boolean zeroOk) {
        if (!Float.isFinite(v) || v < 0 || (v == 0 && !zeroOk))
            throw new ModelException(f.path() + ": metadata '" + key + "' = " + v + " must be finite and " + (zeroOk ? ">= 0" : "> 0"));
        return v;
    }

    /** Every value of a small weight vector (a norm, a bias, rope frequency factors) must be finite. */
    static float[] finiteValues(GGUFFile f, String tensor, float[] v) {
        for (int i = 0; i < v.length; i++) {
            if (!Float.isFinite(v[i]))
                throw new ModelException(f.path() + ": tensor " + SafeText.quoted(tensor) + " has " + v[i] + " at index " + i
                        + "; the weights are damaged");
        }
        return v;
    }

    /**
     * A GGUF tokenizer must have one token per embedding row, as llama.cpp requires ({@code exact}); a tokenizer
     * given separately (Hugging Face layout, where embeddings are often padded) must at least fit the rows.
     */
    static void vocabulary(GGUFFile f, int tokenizerVocab, int embeddingRows, boolean exact) {
        if (exact ? tokenizerVocab != embeddingRows : tokenizerVocab > embeddingRows)
            throw new ModelException((f == null || f.path() == null ? "model" : f.path().toString()) + ": the tokenizer has "
                    + tokenizerVocab + " tokens" + (exact ? " (tokenizer.ggml.tokens)" : "") + " but token_embd.weight has "
                    + embeddingRows + " rows; " + (exact ? "they must match" : "every token needs a row"));
    }
}
