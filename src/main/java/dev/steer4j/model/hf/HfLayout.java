package dev.steer4j.model.hf;

/**
 * How a Hugging Face tensor's data relate to the GGUF tensor llama.cpp's converter writes for it. Each has an
 * inverse, used to write GGUF-named tensors back in Hugging Face layout.
 */
public enum HfLayout {
    /** The same bytes (a shape [out, in] is ggml's [in, out]). */
    AS_IS,
    /**
     * HF Llama's query rows are laid out for {@code rotate_half} RoPE (each head's first half pairs with its second
     * half); llama.cpp's llama RoPE pairs adjacent dimensions, so its converter permutes each head's rows: GGUF row
     * {@code 2i + j} of a head is HF row {@code j·d/2 + i}. Rows are copied, in the source type.
     */
    PERMUTE_Q,
    /** As {@link #PERMUTE_Q}, for keys (over the KV heads). */
    PERMUTE_K,
    /** The inverse of {@link #PERMUTE_Q}: GGUF llama rows back to HF's rotate_half layout. */
    UNPERMUTE_Q,
    /** The inverse of {@link #PERMUTE_K}. */
    UNPERMUTE_K,
    /** GPT-2's Conv1D stores [in, out]; a linear layer in GGUF is [out, in] in row-major terms: transposed. */
    TRANSPOSE,
    /** Gemma's RMSNorm multiplies by (1 + w); llama.cpp's converter stores w + 1 (as F32). */
    PLUS_ONE,
    /** The inverse of {@link #PLUS_ONE}. */
    MINUS_ONE;

    /** The layout that undoes this one. */
    public HfLayout inverse() {
        return switch (this) {
            case AS_IS -> AS_IS;
            case PERMUTE_Q -> UNPERMUTE_Q;
            case PERMUTE_K -> UNPERMUTE_K;
            case UNPERMUTE_Q -> PERMUTE_Q;
            case UNPERMUTE_K -> PERMUTE_K;
            case TRANSPOSE -> TRANSPOSE;
            case PLUS_ONE -> MINUS_ONE;
            case MINUS_ONE -> PLUS_ONE;
        };
    }
}
