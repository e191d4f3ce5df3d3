/**
 * Tokenizers built from model metadata, matching llama.cpp token for token.
 * <ul>
 *   <li>{@link dev.steer4j.tokenizer.Tokenizer#fromGGUF} reads {@code tokenizer.ggml.*}: {@code "llama"} models get a
 *   {@link dev.steer4j.tokenizer.SentencePieceTokenizer} (score-ordered bigram merges, {@code <0xNN>} byte
 *   fallback), {@code "gpt2"} models a {@link dev.steer4j.tokenizer.BpeTokenizer} (byte-level BPE by merge rank after
 *   the {@link dev.steer4j.tokenizer.PreTokenizer} chosen by {@code tokenizer.ggml.pre}).</li>
 *   <li>Special tokens: control-token texts such as {@code <|im_start|>} are recognised in the input only with
 *   {@code parseSpecial}; user-defined tokens always are. {@link dev.steer4j.tokenizer.Tokenizer#isEndOfGeneration}
 *   covers EOS, EOT/EOM and the end-of-turn markers llama.cpp recognises by text.</li>
 *   <li>Decoding: {@link dev.steer4j.tokenizer.Tokenizer#decode(int[])} for display (space prefix removed),
 *   {@link dev.steer4j.tokenizer.Tokenizer#decode(int[], boolean, boolean)} exactly as {@code llama_detokenize}, and
 *   {@link dev.steer4j.tokenizer.StreamDecoder} for token-by-token output that never splits a UTF-8 character.</li>
 *   <li>{@link dev.steer4j.tokenizer.Tokenizer#fromHuggingFaceJson} reads a SentencePiece-style BPE
 *   {@code tokenizer.json}.</li>
 * </ul>
 */
package dev.steer4j.tokenizer;
