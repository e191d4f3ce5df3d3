package dev.steer4j.steer;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which positions a {@link ReftIntervention} edits, in pyreft's vocabulary: {@code f1+l1} is the first and the last
 * prompt position, {@code l3} the last three, {@code prompt} every prompt position, {@code all} every position,
 * generated ones included. Positions are absolute (0 = BOS); the prompt is positions {@code 0 .. promptLength-1}.
 *
 * @param kind  which rule
 * @param first for {@link Kind#EDGES}, how many positions from the start of the prompt
 * @param last  for {@link Kind#EDGES}, how many positions from the end of the prompt
 */
public record ReftPositions(Kind kind, int first, int last) {
    public enum Kind { ALL, PROMPT, EDGES }

    public static final ReftPositions ALL = new ReftPositions(Kind.ALL, 0, 0);
    public static final ReftPositions PROMPT = new ReftPositions(Kind.PROMPT, 0, 0);
    private static final Pattern EDGES = Pattern.compile("(?:f(\\d{1,4}))?\\+?(?:l(\\d{1,4}))?");

    public ReftPositions {
        if (kind == null) throw new IllegalArgumentException("ReFT positions: kind is null");
        if (kind == Kind.EDGES && (first < 0 || last < 0 || first + last == 0))
            throw new IllegalArgumentException("ReFT positions: f" + first + "+l" + last + " selects no position");
        if (kind != Kind.EDGES && (first != 0 || last != 0)) throw new IllegalArgumentException("ReFT positions " + kind + " take no counts");
    }

    /** The first {@code first} and the last {@code last} prompt positions. */
    public static ReftPositions edges(int first, int last) { return new ReftPositions(Kind.EDGES, first, last); }

    public boolean test(int position, int promptLength) {
        return switch (kind) {
            case ALL -> true;
            case PROMPT -> position < promptLength;
            case EDGES -> position < promptLength && (position < first || position >= promptLength - last);
        };
    }

    /** Parses {@code all}, {@code prompt}, {@code fN}, {@code lM} or {@code fN+lM}. */
    public static ReftPositions parse(String s) {
        String t = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        if (t.equals("all")) return ALL;
        if (t.equals("prompt")) return PROMPT;
        Matcher m = EDGES.matcher(t);
        if (!t.isEmpty() && m.matches() && (m.group(1) != null || m.group(2) != null)
                && (t.indexOf('+') < 0 || (m.group(1) != null && m.group(2) != null))) {
            int f = m.group(1) == null ? 0 : Integer.parseInt(m.group(1));
            int l = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
            if (f + l > 0) return edges(f, l);
        }
        throw new IllegalArgumentException("ReFT positions '" + s + "': expected all, prompt, fN, lM or fN+lM (first N / last M prompt positions)");
    }

    @Override
    public String toString() {
        return switch (kind) {
            case ALL -> "all";
            case PROMPT -> "prompt";
            case EDGES -> (first > 0 ? "f" + first : "") + (first > 0 && last > 0 ? "+" : "") + (last > 0 ? "l" + last : "");
        };
    }
}
