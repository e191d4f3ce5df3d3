package dev.steer4j.model;

import dev.steer4j.util.SafeText;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.NonFiniteScan;

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
     * Every tensor the model reads must hold finite values: all values of F32/F16/BF16 tensors and the block scales of
     * quantised ones ({@link NonFiniteScan}, what llama.cpp checks with {@code --check-tensors}). llama.cpp loads such a
     * file by default and generates garbage from it; steer4j refuses it, naming the tensor, the position and the value.
     * The cost is one read of the weights at load (see docs/reliability.md); run on the loading thread, as an
     * in-memory file may belong to it.
     */
    static void finiteWeights(GGUFFile f) {
        for (String name : f.tensorsLookedUp()) {
            GGUFTensorInfo t = f.tensors().get(name);
            if (t == null) continue;
            NonFiniteScan.Finding bad = NonFiniteScan.scan(t);
            if (bad != null)
                throw new ModelException(f.path() + ": " + bad.describe() + "; the weights are damaged");
        }
    }

    /** A warning listing (up to 5 of) the file's tensors that the model did not read, or null when it read them all. */
    static String unusedTensors(GGUFFile f, String arch) {
        java.util.List<String> unused = new java.util.ArrayList<>();
        for (String name : f.tensors().keySet()) if (!f.tensorsLookedUp().contains(name)) unused.add(name);
        if (unused.isEmpty()) return null;
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(5, unused.size()); i++) sb.append(i == 0 ? "" : ", ").append(SafeText.quoted(unused.get(i)));
        if (unused.size() > 5) sb.append(", ...");
        return f.path() + ": " + unused.size() + " tensor" + (unused.size() == 1 ? "" : "s") + " not used by the "
                + SafeText.quoted(arch) + " architecture (ignored): " + sb;
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
