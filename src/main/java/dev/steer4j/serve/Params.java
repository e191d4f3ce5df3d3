package dev.steer4j.serve;

import dev.steer4j.util.Text;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

/** Strict readers of JSON request fields: a wrong type or range is a 400 that names the parameter and the value. */
final class Params {
    private Params() {}

    static String show(JsonNode v) {
        return Text.abbreviate(v.toString(), 60);
    }

    static boolean absent(JsonNode v) {
        return v == null || v.isNull() || v.isMissingNode();
    }

    static Integer optInt(JsonNode obj, String name, String path, int min, int max) {
        JsonNode v = obj.get(name);
        if (absent(v)) return null;
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble())))
            throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be an integer, got " + show(v));
        if (!v.canConvertToInt() && !v.isDouble())
            throw ApiException.invalid(path, "'" + path + "' must be in " + min + "-" + max + ", got " + show(v));
        double d = v.asDouble();
        if (d < min || d > max) throw ApiException.invalid(path, "'" + path + "' must be in " + min + "-" + max + ", got " + show(v));
        return (int) d;
    }

    static Long optLong(JsonNode obj, String name, String path) {
        JsonNode v = obj.get(name);
        if (absent(v)) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong())
            throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be an integer, got " + show(v));
        return v.asLong();
    }

    static Double optDouble(JsonNode obj, String name, String path, double min, double max, boolean minExclusive) {
        JsonNode v = obj.get(name);
        if (absent(v)) return null;
        if (!v.isNumber()) throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be a number, got " + show(v));
        double d = v.asDouble();
        if (!Double.isFinite(d) || d > max || (minExclusive ? d <= min : d < min))
            throw ApiException.invalid(path, "'" + path + "' must be in " + (minExclusive ? "(" : "[") + fmt(min) + ", " + fmt(max) + "], got " + show(v));
        return d;
    }

    static double requireFinite(JsonNode obj, String name, String path) {
        JsonNode v = obj.get(name);
        if (absent(v)) throw ApiException.invalid(path, "missing_parameter", "'" + path + "' is required");
        if (!v.isNumber() || !Double.isFinite(v.asDouble()))
            throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be a finite number, got " + show(v));
        return v.asDouble();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    static Boolean optBool(JsonNode obj, String name, String path) {
        JsonNode v = obj.get(name);
        if (absent(v)) return null;
        if (!v.isBoolean()) throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be true or false, got " + show(v));
        return v.asBoolean();
    }

    static String optString(JsonNode obj, String name, String path) {
        JsonNode v = obj.get(name);
        if (absent(v)) return null;
        if (!v.isTextual()) throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be a string, got " + show(v));
        return v.asText();
    }

    /** {@code stop}: a string or an array of up to 4 strings. */
    static List<String> stops(JsonNode obj) {
        JsonNode v = obj.get("stop");
        if (absent(v)) return List.of();
        if (v.isTextual()) return v.asText().isEmpty() ? List.of() : List.of(v.asText());
        if (!v.isArray()) throw ApiException.invalid("stop", "invalid_type", "'stop' must be a string or an array of strings, got " + show(v));
        if (v.size() > 4) throw ApiException.invalid("stop", "'stop' may hold at most 4 strings, got " + v.size());
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode s = v.get(i);
            if (!s.isTextual()) throw ApiException.invalid("stop", "invalid_type", "'stop[" + i + "]' must be a string, got " + show(s));
            if (!s.asText().isEmpty()) out.add(s.asText());
        }
        return out;
    }

    /** A field the server does not implement: accepted only at its neutral value. */
    static void neutral(JsonNode obj, String name, JsonNode... allowed) {
        JsonNode v = obj.get(name);
        if (absent(v)) return;
        for (JsonNode a : allowed) if (a.equals(v) || (a.isNumber() && v.isNumber() && a.asDouble() == v.asDouble())) return;
        throw ApiException.invalid(name, "unsupported_parameter", "'" + name + "' = " + show(v) + " is not supported by steer4j");
    }
}
