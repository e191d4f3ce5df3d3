package dev.steer4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns a stream of token ids into text, one token at a time, without ever emitting a broken UTF-8 sequence.
 * <p>A token may carry only part of a character (SentencePiece byte-fallback tokens such as {@code <0xE6>}, or a
 * byte-level BPE token that ends inside a multi-byte sequence). The decoder keeps such an incomplete tail until the
 * bytes that complete it arrive, and returns {@code ""} while nothing complete is available. Bytes that can never form
 * valid UTF-8 come out as U+FFFD, exactly as a whole-text decode would show them.
 * <p>Tokens are rendered with {@link Tokenizer#tokenBytes(int, boolean)}; no leading space is stripped, since a stream
 * usually continues a prompt. Not thread-safe: use one decoder per stream.
 */
public final class StreamDecoder {
    private final Tokenizer tokenizer;
    private final boolean special;
    private byte[] pending = new byte[16];
    private int pendingLength;

    /** A decoder that renders control tokens as nothing. */
    public StreamDecoder(Tokenizer tokenizer) {
        this(tokenizer, false);
    }

    /**
     * @param special if true, control and unknown tokens are rendered as their text (for example {@code <|im_end|>});
     *                otherwise they produce no text, as in llama.cpp's {@code token_to_piece(..., special=false)}
     */
    public StreamDecoder(Tokenizer tokenizer, boolean special) {
        this.tokenizer = tokenizer;
        this.special = special;
    }

    /** Adds one token and returns the text that is now complete (possibly {@code ""}). */
    public String accept(int token) {
        byte[] b = tokenizer.tokenBytes(token, special);
        if (b.length == 0) return "";
        if (pendingLength + b.length > pending.length)
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, pendingLength + b.length));
        System.arraycopy(b, 0, pending, pendingLength, b.length);
        pendingLength += b.length;
        int complete = completePrefix(pending, pendingLength);
        if (complete == 0) return "";
        String s = new String(pending, 0, complete, StandardCharsets.UTF_8);
        System.arraycopy(pending, complete, pending, 0, pendingLength - complete);
        pendingLength -= complete;
        return s;
    }

    /** Returns whatever is still buffered (an unfinished sequence becomes U+FFFD) and resets the decoder. */
    public String flush() {
        if (pendingLength == 0) return "";
        String s = new String(pending, 0, pendingLength, StandardCharsets.UTF_8);
        pendingLength = 0;
        return s;
    }

    /** Whether bytes are held back waiting for the rest of a character. */
    public boolean hasPending() {
        return pendingLength > 0;
    }

    /**
     * The length of the longest prefix of {@code b[0, n)} that does not end inside a multi-byte UTF-8 sequence which
     * could still be completed by more bytes.
     */
    static int completePrefix(byte[] b, int n) {
        // Find the start of the last sequence: walk back over at most 3 continuation bytes.
        int i = n - 1;
        int cont = 0;
        while (i >= 0 && cont < 3 && (b[i] & 0xC0) == 0x80) {
            i--;
            cont++;
        }
        if (i < 0) return n; // only continuation bytes: invalid, nothing to wait for
        int lead = b[i] & 0xFF;
        int need;
        if (lead < 0x80) need = 1;
        else if (lead >= 0xC2 && lead <= 0xDF) need = 2;
        else if (lead >= 0xE0 && lead <= 0xEF) need = 3;
        else if (lead >= 0xF0 && lead <= 0xF4) need = 4;
        else return n; // invalid lead byte (or a stray continuation run): cannot be completed
        int have = n - i;
        if (have >= need) return n;
        // The tail b[i, n) is a proper prefix of a sequence; check that its bytes could still be valid.
        if (have >= 2) {
            int second = b[i + 1] & 0xFF;
            if (lead == 0xE0 && second < 0xA0) return n;
            if (lead == 0xED && second > 0x9F) return n;
            if (lead == 0xF0 && second < 0x90) return n;
            if (lead == 0xF4 && second > 0x8F) return n;
        }
        return i;
    }
}
