package dev.steer4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-unicode mapping: printable Latin-1 bytes stand for themselves, the other 68 bytes map to
 * U+0100 and up, in byte order (so space is {@code Ġ} U+0120 and newline {@code Ċ} U+010A).
 */
final class ByteLevel {
    private static final char[] ENCODE = new char[256];
    private static final short[] DECODE = new short[0x180];

    static {
        java.util.Arrays.fill(DECODE, (short) -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) (256 + extra++);
            ENCODE[b] = c;
            DECODE[c] = (short) b;
        }
    }

    private ByteLevel() {}

    static char encode(int b) {
        return ENCODE[b & 0xFF];
    }

    /** The byte a byte-level character stands for, or -1. */
    static int decode(int c) {
        return c >= 0 && c < DECODE.length ? DECODE[c] : -1;
    }

    /** The byte-level string for a text's UTF-8 bytes. */
    static String encode(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        char[] c = new char[b.length];
        for (int i = 0; i < b.length; i++) c[i] = ENCODE[b[i] & 0xFF];
        return new String(c);
    }

    /**
     * The bytes a byte-level token text stands for. A character outside the mapping (possible in hand-made
     * vocabularies) is passed through as its own UTF-8, where llama.cpp would print an {@code [UNK_BYTE_...]} marker.
     */
    static byte[] decode(String tokenText) {
        int len = tokenText.length();
        byte[] fast = new byte[len];
        int i0 = 0;
        for (; i0 < len; i0++) {
            int b = decode(tokenText.charAt(i0));
            if (b < 0) break;
            fast[i0] = (byte) b;
        }
        if (i0 == len) return fast;
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokenText.length());
        for (int i = 0; i < tokenText.length(); ) {
            int cp = tokenText.codePointAt(i);
            int n = Character.charCount(cp);
            int b = decode(cp);
            if (b >= 0) out.write(b);
            else out.writeBytes(tokenText.substring(i, i + n).getBytes(StandardCharsets.UTF_8));
            i += n;
        }
        return out.toByteArray();
    }
}
