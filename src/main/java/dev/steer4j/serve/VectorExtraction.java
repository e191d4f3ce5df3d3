package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.Method;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a JSON {@code POST /v1/vectors} body into a vector:
 * <ul>
 * <li>{@code {"name", "directions": {"<layer>": [floats]}}}: stored as given;</li>
 * <li>{@code {"name", "pairs": [{"positive", "negative"}, ...]}} or {@code {"name", "positive": [...], "negative": [...]}}:
 *     extracted with {@code method} (mean by default: mean difference of resid_post at the last token) over
 *     {@code layers} ([from, to], default every layer from 1, as llama.cpp control vectors start at 1).</li>
 * </ul>
 */
final class VectorExtraction {
    private VectorExtraction() {}

    static SteeringVector fromJson(Model model, JsonNode body) {
        if (body.has("directions")) {
            SteeringSpec.Ref ref = VectorRef.parse(body.get("directions"), "directions");
            if (ref.inline() == null)
                throw ApiException.invalid("directions", "invalid_type", "'directions' must be {\"<layer>\": [floats]}, not a vector name");
            try {
                return SteeringVector.of(ref.inline(), VectorMetadata.unknown().withMethod("inline"));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("directions", "'directions': " + e.getMessage());
            }
        }
        List<String> pos = new ArrayList<>(), neg = new ArrayList<>();
        JsonNode pairs = body.get("pairs");
        if (!Params.absent(pairs)) {
            if (!pairs.isArray() || pairs.isEmpty())
                throw ApiException.invalid("pairs", "invalid_type", "'pairs' must be a non-empty array of {\"positive\": ..., \"negative\": ...}, got " + Params.show(pairs));
            for (int i = 0; i < pairs.size(); i++) {
                JsonNode p = pairs.get(i);
                String path = "pairs[" + i + "]";
                if (!p.isObject()) throw ApiException.invalid(path, "invalid_type", "'" + path + "' must be an object, got " + Params.show(p));
                String a = Params.optString(p, "positive", path + ".positive"), b = Params.optString(p, "negative", path + ".negative");
                if (a == null || b == null) throw ApiException.invalid(path, "missing_parameter", "'" + path + "' needs both 'positive' and 'negative'");
                pos.add(a);
                neg.add(b);
            }
        } else if (body.has("positive") || body.has("negative")) {
            pos = strings(body.get("positive"), "positive");
            neg = strings(body.get("negative"), "negative");
        } else {
            throw ApiException.invalid(null, "missing_parameter", "a JSON vector upload needs 'directions' ({\"<layer>\": [floats]}), "
                    + "'pairs' ([{\"positive\", \"negative\"}]) or 'positive' and 'negative' prompt lists");
        }
        int n = model.config().layers();
        int from = 1, to = n - 1;
        JsonNode l = body.get("layers");
        if (!Params.absent(l)) {
            if (!l.isArray() || l.size() != 2 || !l.get(0).canConvertToInt() || !l.get(1).canConvertToInt() || !l.get(0).isIntegralNumber() || !l.get(1).isIntegralNumber())
                throw ApiException.invalid("layers", "invalid_type", "'layers' must be [from, to], got " + Params.show(l));
            from = l.get(0).asInt();
            to = l.get(1).asInt();
            if (from < 1 || to < from || to >= n)
                throw ApiException.invalid("layers", "'layers' must be [from, to] with 1 <= from <= to <= " + (n - 1) + " (control vectors start at layer 1), got " + Params.show(l));
        }
        if (n < 2) throw ApiException.invalid("layers", "the model has one layer; control vectors start at layer 1");
        String m = Params.optString(body, "method", "method");
        Method method;
        try {
            method = m == null ? Method.MEAN : Method.parse(m);
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid("method", e.getMessage());
        }
        int[] layers = new int[to - from + 1];
        for (int i = 0; i < layers.length; i++) layers[i] = from + i;
        ContrastiveDataset data;
        try {
            data = pos.size() == neg.size() ? ContrastiveDataset.ofPairs("upload", pos, neg) : ContrastiveDataset.ofLists("upload", pos, neg);
            return Extraction.builder(model).method(method).layers(layers).run(data).vector();
        } catch (IllegalArgumentException e) {
            throw ApiException.invalid(body.has("pairs") ? "pairs" : "positive", "extraction_failed", "cannot extract a vector: " + e.getMessage());
        }
    }

    private static List<String> strings(JsonNode a, String name) {
        if (Params.absent(a) || !a.isArray() || a.isEmpty())
            throw ApiException.invalid(name, "invalid_type", "'" + name + "' must be a non-empty array of prompts, got " + (a == null ? "nothing" : Params.show(a)));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).isTextual()) throw ApiException.invalid(name, "invalid_type", "'" + name + "[" + i + "]' must be a string, got " + Params.show(a.get(i)));
            out.add(a.get(i).asText());
        }
        return out;
    }
}
