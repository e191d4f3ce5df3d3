package dev.steer4j.format.gguf;

import dev.steer4j.util.SafeText;

/**
 * A metadata value with its GGUF type, so that files can be rewritten without changing any value's type.
 * <p>Java representations: integers are {@code Long}, FLOAT32 {@code Float}, FLOAT64 {@code Double}, BOOL
 * {@code Boolean}, STRING {@code String}. Arrays: integer arrays {@code long[]}, FLOAT32 {@code float[]},
 * FLOAT64 {@code double[]}, BOOL {@code boolean[]}, STRING {@code String[]}, nested arrays {@code GGUFValue[]}.
 *
 * @param elementType for ARRAY values, the type of the elements; otherwise null
 */
public record GGUFValue(GGUFValueType type, GGUFValueType elementType, Object value) {

    public static GGUFValue of(String s) { return new GGUFValue(GGUFValueType.STRING, null, s); }
    public static GGUFValue ofUInt32(long v) { return new GGUFValue(GGUFValueType.UINT32, null, v); }
    public static GGUFValue ofInt32(long v) { return new GGUFValue(GGUFValueType.INT32, null, v); }
    public static GGUFValue ofFloat32(float v) { return new GGUFValue(GGUFValueType.FLOAT32, null, v); }
    public static GGUFValue ofBool(boolean v) { return new GGUFValue(GGUFValueType.BOOL, null, v); }
    public static GGUFValue ofStrings(String[] v) { return new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.STRING, v); }
    public static GGUFValue ofFloats(float[] v) { return new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.FLOAT32, v); }
    public static GGUFValue ofInts(GGUFValueType elementType, long[] v) { return new GGUFValue(GGUFValueType.ARRAY, elementType, v); }

    /** A short human-readable rendering; long arrays are summarised. */
    public String display() {
        return switch (value) {
            // untrusted text for a terminal: escapes (ESC, CR, bidi overrides) and a bounded length
            case String s -> '"' + SafeText.of(s, 80) + '"';
            case long[] a -> arraySummary(a.length, a.length > 0 ? String.valueOf(a[0]) : "");
            case float[] a -> arraySummary(a.length, a.length > 0 ? String.valueOf(a[0]) : "");
            case double[] a -> arraySummary(a.length, a.length > 0 ? String.valueOf(a[0]) : "");
            case boolean[] a -> arraySummary(a.length, a.length > 0 ? String.valueOf(a[0]) : "");
            case String[] a -> arraySummary(a.length, a.length > 0 ? '"' + SafeText.of(a[0], 80) + '"' : "");
            case GGUFValue[] a -> arraySummary(a.length, "...");
            default -> String.valueOf(value);
        };
    }

    private String arraySummary(int n, String first) {
        return elementType.name().toLowerCase() + "[" + n + "]" + (n > 0 ? " {" + first + (n > 1 ? ", ..." : "") + "}" : "");
    }
}
