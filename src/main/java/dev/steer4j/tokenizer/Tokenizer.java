package dev.steer4j.tokenizer;

import dev.steer4j.format.gguf.GGUFFile;

import java.nio.file.Path;

/**
 * Text to token ids and back, built from a model's tokenizer metadata and matching llama.cpp's tokenizers.
 * <p>Implementations are immutable and thread-safe; {@link StreamDecoder}s are per stream.
 */
public interface Tokenizer {

    /**
     * Builds the tokenizer described by a GGUF file's {@code tokenizer.ggml.*} metadata. Dispatches on
     * {@code tokenizer.ggml.model}: {@code "llama"} gives a {@link SentencePieceTokenizer}, {@code "gpt2"} a
     * {@link BpeTokenizer}.
     *
     * @throws TokenizerException if the metadata is missing, inconsistent or describes an unsupported tokenizer
     */
    static Tokenizer fromGGUF(GGUFFile f) {
        return GGUFTokenizerLoader.load(f);
    }

    /**
     * Builds a tokenizer from a Hugging Face {@code tokenizer.json} whose model is a SentencePiece-style BPE (a
     * {@code ▁} normalizer, merges, optional byte fallback), such as Llama-2-style and TinyStories tokenizers.
     *
     * @throws TokenizerException if the file cannot be read or describes an unsupported tokenizer
     */
    static Tokenizer fromHuggingFaceJson(Path tokenizerJson) {
        return HuggingFaceTokenizerLoader.load(tokenizerJson);
    }

    /** Number of tokens in the vocabulary. */
    int vocabSize();

    /**
     * Encodes text. {@code addBos} puts the BOS token first; no EOS is added.
     *
     * @param parseSpecial recognise the texts of control tokens (such as {@code <|im_start|>} or {@code <s>}) in
     *                     {@code text} and emit their ids; user-defined tokens are always recognised, as in llama.cpp
     */
    default int[] encode(String text, boolean addBos, boolean parseSpecial) {
        return encode(text, addBos, false, parseSpecial);
    }

    /** Encodes text, adding BOS and/or EOS as asked. */
    int[] encode(String text, boolean addBos, boolean addEos, boolean parseSpecial);

    /**
     * Encodes text as llama.cpp does with {@code add_special = true, parse_special = false}: BOS if the model adds it
     * by default, EOS if the model adds that by default.
     */
    default int[] encode(String text) {
        return encode(text, addBosByDefault(), addEosByDefault(), false);
    }

    /** The raw vocabulary string of a token (for example {@code "▁the"} or {@code "Ġthe"}). */
    String piece(int id);

    /**
     * The bytes a token stands for in running text: SentencePiece {@code ▁} becomes a space and {@code <0xNN>} the
     * byte, byte-level BPE characters their bytes; control and unknown tokens give no bytes.
     */
    default byte[] tokenBytes(int id) {
        return tokenBytes(id, false);
    }

    /**
     * As {@link #tokenBytes(int)}; with {@code special} true, control and unknown tokens give their text, as
     * llama.cpp's {@code token_to_piece(..., special=true)}.
     */
    byte[] tokenBytes(int id, boolean special);

    /**
     * Decodes a whole text for display: control tokens give nothing, and for tokenizers that add a space prefix
     * (SentencePiece) the one leading space of the first piece is removed, whether or not a BOS comes first, so that
     * {@code decode(encode(s))} gives back {@code s}. Byte-level BPE tokenizers apply llama.cpp's clean-up of spaces
     * before punctuation where the model asks for it.
     */
    String decode(int[] tokens);

    /**
     * Exactly llama.cpp's {@code llama_detokenize(tokens, remove_special, unparse_special)}. Note that llama.cpp
     * strips the space prefix only when the first token is not BOS, so a text that starts with BOS keeps its leading
     * space here.
     */
    String decode(int[] tokens, boolean removeSpecial, boolean unparseSpecial);

    /** A new decoder for one stream of tokens; control tokens produce no text. */
    default StreamDecoder streamDecoder() {
        return new StreamDecoder(this, false);
    }

    /** BOS token id, or -1 if the model has none. */
    int bos();

    /** EOS token id, or -1 if the model has none. */
    int eos();

    boolean addBosByDefault();

    boolean addEosByDefault();

    /**
     * Whether generation should stop at this token: EOS, EOT/EOM ({@code tokenizer.ggml.eot_token_id} ...), and
     * tokens such as {@code <|im_end|>}, {@code <|eot_id|>}, {@code <|endoftext|>}, {@code <end_of_turn>}.
     */
    boolean isEndOfGeneration(int id);

    /** Whether the token is a control token (BOS, EOS, chat markers ...). */
    boolean isControl(int id);

    /** The id of the token whose vocabulary string is {@code piece}, or -1. */
    int tokenId(String piece);

    /** {@code tokenizer.chat_template}, or null. */
    String chatTemplate();
}
