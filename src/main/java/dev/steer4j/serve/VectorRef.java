package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.steer.SteeringSpec;

import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a vector named in a request: either a library name ({@code "happy"}) or inline directions
 * ({@code {"3": [0.1, ...]}}, layer to floats).
 */
final class VectorRef {
    private VectorRef() {}

    static SteeringSpec.Ref parse(JsonNode v, String path) {
        if (Params.absent(v)) throw ApiException.invalid(path, "missing_parameter", "'" + path + "' is required (a library vector name or {\"<layer>\": [floats]})");
        if (v.isTextual()) return SteeringSpec.Ref.named(VectorLibrary.checkName(v.asText(), path));
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
        return SteeringSpec.Ref.inline(dirs);
    }

    /** How errors name the vector: {@code vector 'happy'} or {@code inline vector [2, 3]}. */
    static String describe(SteeringSpec.Ref ref) {
        return ref.name() != null ? "vector '" + ref.name() + "'" : "inline vector " + ref.inline().keySet();
    }
}
