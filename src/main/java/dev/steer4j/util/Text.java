package dev.steer4j.util;

/** Small text helpers: strict UTF-8 decoding of user files, shortening user input, an exception's root message. */
public final class Text {
    private Text() {}

    /** {@code s} itself when at most {@code max} characters, else its first {@code max - 3} and "...". */
    public static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }

    /** The message of the innermost cause (its class name when it has none). */
    public static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** {@code bytes} decoded as UTF-8, or null when they are not valid UTF-8 (malformed or unmappable sequences). */
    public static String strictUtf8OrNull(byte[] bytes) {
        try {
            return java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            return null;
        }
    }
}
