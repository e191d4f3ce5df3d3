package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.ModelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A Hugging Face {@code config.json}; getters name the file and the field when a value is missing or wrong. */
public final class HfConfig {
    private final Path path;
    private final JsonNode root;

    HfConfig(Path path, JsonNode root) {
        this.path = path;
        this.root = root;
    }

    public static HfConfig read(Path configJson) {
        if (!Files.isRegularFile(configJson)) throw new ModelException(configJson + ": file not found (a Hugging Face model directory needs config.json)");
        try {
            JsonNode n = new ObjectMapper().readTree(configJson.toFile());
            if (n == null || !n.isObject()) throw new ModelException(configJson + ": not a JSON object");
            return new HfConfig(configJson, n);
        } catch (IOException e) {
            throw new ModelException(configJson + ": cannot read: " + e.getMessage());
        }
    }

    public Path path() { return path; }
    public JsonNode root() { return root; }

    public boolean has(String key) {
        JsonNode v = root.get(key);
        return v != null && !v.isNull();
    }

    /** {@code model_type}, required. */
    public String modelType() {
        return requireString("model_type");
    }

    public String requireString(String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) throw missing(key);
        if (!v.isTextual()) throw wrong(key, "a string", v);
        return v.asText();
    }

    public int requireInt(String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) throw missing(key);
        return toInt(key, v);
    }

    /** The first of the keys present (configs spell some fields several ways, e.g. GPT-2's n_embd). */
    public int requireInt(String... keys) {
        for (String k : keys) if (has(k)) return requireInt(k);
        throw missing(String.join(" or ", keys));
    }

    public int getInt(String key, int dflt) {
        return has(key) ? requireInt(key) : dflt;
    }

    public double getDouble(String key, double dflt) {
        if (!has(key)) return dflt;
        JsonNode v = root.get(key);
        if (!v.isNumber()) throw wrong(key, "a number", v);
        return v.asDouble();
    }

    public boolean getBool(String key, boolean dflt) {
        if (!has(key)) return dflt;
        JsonNode v = root.get(key);
        if (!v.isBoolean()) throw wrong(key, "true or false", v);
        return v.asBoolean();
    }

    public String getString(String key, String dflt) {
        return has(key) ? requireString(key) : dflt;
    }

    /** An object field (such as {@code rope_scaling}), or null when absent or null. */
    public JsonNode object(String key) {
        if (!has(key)) return null;
        JsonNode v = root.get(key);
        if (!v.isObject()) throw wrong(key, "an object", v);
        return v;
    }

    private int toInt(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw wrong(key, "an integer", v);
        return v.asInt();
    }

    ModelException missing(String key) {
        return new ModelException(path + ": missing field '" + key + "'");
    }

    ModelException wrong(String key, String expected, JsonNode v) {
        return new ModelException(path + ": field '" + key + "' should be " + expected + " but is " + v);
    }

    /** An error about a field's value. */
    public ModelException bad(String key, String message) {
        return new ModelException(path + ": field '" + key + "' " + message);
    }
}
