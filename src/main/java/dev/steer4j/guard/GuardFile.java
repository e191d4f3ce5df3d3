package dev.steer4j.guard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code guard.json}: the detectors a server guards with.
 * <pre>{@code
 * {"model": "stories260K", "detectors": [
 *   {"name": "sad", "layer": 3, "threshold": 0.21, "policy": "flag",
 *    "refusal": "...", "steer": {"vector": null, "coefficient": 1.0},
 *    "direction": [64 floats], "calibration": {...}}]}
 * }</pre>
 * Errors name the file, the detector and the field.
 */
public final class GuardFile {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private GuardFile() {}

    public static Guard read(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("guard file " + path + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""));
        } catch (IOException e) {
            if (!Files.exists(path)) throw new UncheckedIOException(new NoSuchFileException(path.toString()));
            throw new UncheckedIOException("cannot read guard file " + path + ": " + e.getMessage(), e);
        }
        return parse(root, path.toString());
    }

    public static Guard parse(JsonNode root, String source) {
        if (root == null || !root.isObject() || !root.path("detectors").isArray())
            throw new IllegalArgumentException("guard file " + source + ": expected an object with a \"detectors\" array");
        List<Detector> ds = new ArrayList<>();
        JsonNode arr = root.get("detectors");
        for (int i = 0; i < arr.size(); i++) {
            JsonNode d = arr.get(i);
            String where = "guard file " + source + ": detectors[" + i + "]";
            if (!d.isObject()) throw new IllegalArgumentException(where + " must be an object");
            String name = d.path("name").asText(null);
            if (name == null || name.isBlank()) throw new IllegalArgumentException(where + ".name is missing");
            where = "guard file " + source + ": detector '" + name + "'";
            if (!d.path("layer").canConvertToInt() || !d.path("layer").isIntegralNumber())
                throw new IllegalArgumentException(where + ": \"layer\" must be an integer, got " + d.path("layer"));
            if (!d.path("threshold").isNumber()) throw new IllegalArgumentException(where + ": \"threshold\" must be a number, got " + d.path("threshold"));
            JsonNode dir = d.path("direction");
            if (!dir.isArray() || dir.isEmpty()) throw new IllegalArgumentException(where + ": \"direction\" must be a non-empty array of numbers");
            float[] f = new float[dir.size()];
            for (int k = 0; k < f.length; k++) {
                if (!dir.get(k).isNumber()) throw new IllegalArgumentException(where + ": direction[" + k + "] is not a number: " + dir.get(k));
                f[k] = (float) dir.get(k).asDouble();
            }
            GuardPolicy policy;
            try {
                policy = d.has("policy") ? GuardPolicy.parse(d.get("policy").asText()) : GuardPolicy.FLAG;
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
            JsonNode steer = d.path("steer");
            String sv = steer.path("vector").isTextual() ? steer.get("vector").asText() : null;
            double coef = steer.path("coefficient").isNumber() ? steer.get("coefficient").asDouble() : 1.0;
            String refusal = d.path("refusal").isTextual() ? d.get("refusal").asText() : null;
            @SuppressWarnings("unchecked")
            Map<String, Object> cal = d.path("calibration").isObject() ? JSON.convertValue(d.get("calibration"), Map.class) : Map.of();
            try {
                ds.add(new Detector(name, d.get("layer").asInt(), f, d.get("threshold").asDouble(), policy, refusal, sv, coef, cal));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("guard file " + source + ": " + e.getMessage());
            }
        }
        String model = root.path("model").isTextual() ? root.get("model").asText() : null;
        return new Guard(ds, model);
    }

    public static ObjectNode toJson(Guard g) {
        ObjectNode root = JSON.createObjectNode();
        if (g.model() != null) root.put("model", g.model());
        ArrayNode arr = root.putArray("detectors");
        for (Detector d : g.detectors()) {
            ObjectNode o = arr.addObject();
            o.put("name", d.name());
            o.put("layer", d.layer());
            o.put("threshold", d.threshold());
            o.put("policy", d.policy().apiName());
            o.put("refusal", d.refusal());
            ObjectNode s = o.putObject("steer");
            if (d.steerVector() == null) s.putNull("vector");
            else s.put("vector", d.steerVector());
            s.put("coefficient", d.steerCoefficient());
            ArrayNode dir = o.putArray("direction");
            for (float f : d.direction()) dir.add(f);
            o.set("calibration", JSON.valueToTree(new LinkedHashMap<>(d.calibration())));
        }
        return root;
    }

    /** Writes atomically (temporary file, then move). */
    public static void write(Path path, Guard g) {
        try {
            Path abs = path.toAbsolutePath();
            Path dir = abs.getParent();
            if (dir != null) Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, ".guard-", ".json.tmp");
            try {
                JSON.writeValue(tmp.toFile(), toJson(g));
                try {
                    Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write guard file " + path + ": " + e.getMessage(), e);
        }
    }
}
