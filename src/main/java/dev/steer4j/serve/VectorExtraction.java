package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;

/** Turns a JSON {@code POST /v1/vectors} body into a vector: inline directions or contrastive pairs to extract from. */
final class VectorExtraction {
    private VectorExtraction() {}

    static SteeringVector fromJson(Model model, JsonNode body) {
        boolean inline = body.has("directions");
        if (inline) {
            VectorRef ref = VectorRef.parse(body.get("directions"), "directions");
            try {
                return SteeringVector.of(ref.inline(), VectorMetadata.unknown().withMethod("inline"));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("directions", "'directions': " + e.getMessage());
            }
        }
        throw ApiException.invalid(null, "missing_parameter", "a JSON vector upload needs 'directions' ({\"<layer>\": [floats]})");
    }
}
