package dev.steer4j.steer;

import java.util.Locale;

/** How several CAST conditions combine: steer when every condition holds ({@code and}) or any holds ({@code or}). */
public enum ConditionRule {
    AND, OR;

    public boolean combine(boolean[] met) {
        if (met.length == 0) return true;
        boolean and = true, or = false;
        for (boolean m : met) {
            and &= m;
            or |= m;
        }
        return this == AND ? and : or;
    }

    public static ConditionRule parse(String s) {
        if (s != null) {
            switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "and": return AND;
                case "or": return OR;
                default:
            }
        }
        throw new IllegalArgumentException("condition rule '" + s + "': expected and or or");
    }

    @Override
    public String toString() { return name().toLowerCase(Locale.ROOT); }
}
