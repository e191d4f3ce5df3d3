package dev.steer4j.util;

/** Small text helpers for error messages: shortening user input and finding an exception's root message. */
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
}
