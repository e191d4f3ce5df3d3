package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * A vector named in a request: either a library name ({@code "happy"}) or inline directions
 * ({@code {"3": [0.1, ...]}}, layer to floats).
 */
record VectorRef(String name, Map<Integer, float[]> inline) {
    static VectorRef parse(JsonNode v, String path) {
        if (Params.absent(v)) throw ApiException.invalid(path, "missing_parameter", "'" + path + "' is required (a library vector name or {\"<layer>\": [floats]})");
        if (v.isTextual()) return new VectorRef(VectorLibrary.checkName(v.asText(), path), null);
        if (!v.isObject() || v.isEmpty())
            throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be a library vector name or a non-empty object {\"<layer>\": [floats]}, got " + Params.show(v));
        Map<Integer, float[]> dirs = new TreeMap<>();
        int width = -1;
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String lp = path + "." + e.getKey();
            int layer;
            try {
                layer = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw ApiException.invalid(lp, "'" + path + "' keys must be layer numbers, got \"" + e.getKey() + "\"");
            }
            if (layer < 0) throw ApiException.invalid(lp, "'" + path + "' layer must be >= 0, got " + layer);
            JsonNode arr = e.getValue();
            if (!arr.isArray() || arr.isEmpty()) throw ApiException.invalid(lp, "invalid_type", "'" + lp + "' must be a non-empty array of numbers, got " + Params.show(arr));
            float[] f = new float[arr.size()];
            for (int i = 0; i < f.length; i++) {
                JsonNode x = arr.get(i);
                if (!x.isNumber() || !Double.isFinite(x.asDouble()))
                    throw ApiException.invalid(lp, "invalid_type", "'" + lp + "[" + i + "]' must be a finite number, got " + Params.show(x));
                f[i] = (float) x.asDouble();
            }
            if (width >= 0 && f.length != width)
                throw ApiException.invalid(lp, "'" + lp + "' has " + f.length + " numbers but the other layers have " + width);
            width = f.length;
            dirs.put(layer, f);
        }
        return new VectorRef(null, dirs);
    }

    String describe() {
        return name != null ? "'" + name + "'" : "inline vector " + inline.keySet();
    }
}
