package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * OpenAI's {@code response_format}: {@code {"type": "text"}} (the default) or {@code {"type": "json_object"}}, which
 * constrains sampling so that the output is one JSON object ({@link dev.steer4j.runtime.JsonConstraint}).
 * {@code json_schema} is refused with a 400 that says so.
 */
enum ResponseFormat {
    TEXT, JSON_OBJECT;

    static ResponseFormat parse(JsonNode body) {
        JsonNode rf = body.get("response_format");
        if (Params.absent(rf)) return TEXT;
        if (!rf.isObject())
            throw ApiException.invalid("response_format", "invalid_type", "'response_format' must be an object such as {\"type\": \"json_object\"}, got " + Params.show(rf));
        String type = Params.optString(rf, "type", "response_format.type");
        if (type == null) throw ApiException.invalid("response_format.type", "missing_parameter", "'response_format.type' is required (text or json_object)");
        return switch (type) {
            case "text" -> TEXT;
            case "json_object" -> JSON_OBJECT;
            case "json_schema" -> throw ApiException.invalid("response_format.type", "unsupported_parameter",
                    "'response_format.type' json_schema is not supported by steer4j; use json_object (any JSON object) or text");
            default -> throw ApiException.invalid("response_format.type", "'response_format.type' must be text or json_object, got " + Params.show(rf.get("type")));
        };
    }
}
