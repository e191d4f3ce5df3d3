package dev.steer4j.format;

/**
 * Makes untrusted text (a tensor name, a metadata string, a JSON field, a request value) safe to put into a
 * terminal, a log line or an error body: control characters, including ESC and CR, and the bidirectional overrides
 * that reorder what a terminal shows are written as {@code \n}, {@code \x1b} or {@code \u202e} escapes, and the text
 * is cut to a bounded length with a note of how much was left off.
 * <p>Only the shown form changes; the value used for lookups stays as it was.
 */
public final class SafeText {
    /** How much of a name or value is shown by default (code points). */
    public static final int DEFAULT_LIMIT = 120;
    /** How much of a whole error message is kept. */
    public static final int MESSAGE_LIMIT = 2000;

    private SafeText() {}

    /** {@code s} escaped and cut to {@link #DEFAULT_LIMIT} code points; {@code "null"} for null. */
    public static String of(String s) {
        return of(s, DEFAULT_LIMIT);
    }

    /** {@code s} escaped and cut to {@code limit} code points (the escapes count as one each). */
    public static String of(String s, int limit) {
        if (s == null) return "null";
        if (isPlain(s, limit)) return s;
        StringBuilder b = new StringBuilder(Math.min(s.length(), limit) + 32);
        int shown = 0, i = 0;
        while (i < s.length() && shown < limit) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            shown++;
            appendEscaped(b, cp);
        }
        if (i < s.length()) {
            long rest = s.codePointCount(i, s.length());
            b.append("… (").append(rest).append(" more characters)");
        }
        return b.toString();
    }

    /** {@code s} escaped, cut and put in single quotes: the form error messages use for names. */
    public static String quoted(String s) {
        return "'" + of(s) + "'";
    }

    /** A whole message (which may embed several values) escaped and cut to {@link #MESSAGE_LIMIT}. */
    public static String message(String s) {
        return of(s, MESSAGE_LIMIT);
    }

    /** Whether a code point must be escaped: C0 and C1 controls, DEL, bidi controls, line and paragraph separators. */
    public static boolean unsafe(int cp) {
        return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069)
                || cp == 0x2028 || cp == 0x2029 || cp == 0x200e || cp == 0x200f || cp == 0x061c
                || (cp >= 0xd800 && cp <= 0xdfff);
    }

    private static boolean isPlain(String s, int limit) {
        if (s.length() > limit) return false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c >= 0x2000 && unsafe(c) || c == 0x061c || Character.isSurrogate(c)) return false;
        }
        return true;
    }

    private static void appendEscaped(StringBuilder b, int cp) {
        if (!unsafe(cp)) {
            b.appendCodePoint(cp);
            return;
        }
        switch (cp) {
            case '\n' -> b.append("\\n");
            case '\r' -> b.append("\\r");
            case '\t' -> b.append("\\t");
            default -> {
                if (cp <= 0xff) b.append(String.format("\\x%02x", cp));
                else b.append(String.format("\\u%04x", cp));
            }
        }
    }
}
