package dev.steer4j.steer;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A human-readable JSON form of a steering vector, lossless (floats are written in their shortest exact form):
 *
 * <pre>
 * {
 *   "format": "steer4j-vector", "version": 1, "n_embd": 64,
 *   "metadata": {"method": "mean", "site": "resid_post", "read_position": "last", "dataset": "...",
 *                "dataset_sha256": "...", "model": "...", "extra": {"k": "v"}},
 *   "directions": {"1": [0.1, ...], "2": [...]}
 * }
 * </pre>
 */
public final class VectorJson {
    public static final String FORMAT = "steer4j-vector";
    /** Duplicate keys are an error rather than last-one-wins, so two entries for a layer cannot silently collide. */
    private static final ObjectMapper JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
    /** Largest JSON vector file read (256 MiB; a 8192-wide vector for 100 layers is about 10 MB). */
    static final long MAX_FILE_BYTES = 256L << 20;

    private VectorJson() {}

    public static String toJson(SteeringVector v) {
        StringWriter sw = new StringWriter();
        try (JsonGenerator g = new JsonFactory().createGenerator(sw)) {
            g.useDefaultPrettyPrinter();
            g.writeStartObject();
            g.writeStringField("format", FORMAT);
            g.writeNumberField("version", 1);
            g.writeNumberField("n_embd", v.dim());
            VectorMetadata m = v.metadata();
            g.writeObjectFieldStart("metadata");
            field(g, "method", m.method());
            field(g, "site", m.site());
            field(g, "read_position", m.readPosition());
            field(g, "dataset", m.dataset());
            field(g, "dataset_sha256", m.datasetHash());
            field(g, "model", m.model());
            g.writeObjectFieldStart("extra");
            for (var e : new TreeMap<>(m.extra()).entrySet()) if (!e.getKey().equals("source")) g.writeStringField(e.getKey(), e.getValue());
            g.writeEndObject();
            g.writeEndObject();
            g.writeObjectFieldStart("directions");
            for (var e : v.layers().entrySet()) {
                g.writeArrayFieldStart(String.valueOf(e.getKey()));
                for (float x : e.getValue()) g.writeNumber(x);
                g.writeEndArray();
            }
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return sw + "\n";
    }

    private static void field(JsonGenerator g, String k, String v) throws IOException {
        if (v != null) g.writeStringField(k, v);
    }

    public static void write(Path path, SteeringVector v) {
        try {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + path.getFileName() + ".", ".part");
            try {
                Files.writeString(tmp, toJson(v));
                Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vector file " + path + ": " + e.getMessage(), e);
        }
    }

    public static SteeringVector read(Path path) {
        if (!Files.exists(path)) throw new VectorFileException(path, "vector file " + path + " does not exist");
        String text;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES)
                throw new VectorFileException(path, "vector file " + path + " has " + size + " bytes; a JSON vector may have at most " + MAX_FILE_BYTES);
            text = Files.readString(path);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new VectorFileException(path, "vector file " + path + " is not valid UTF-8 text", e);
        } catch (IOException e) {
            throw new VectorFileException(path, "vector file " + path + " cannot be read: " + e.getMessage(), e);
        }
        return parse(text, path);
    }

    /** Parses the JSON form; {@code source} (may be null) names the file in errors. */
    public static SteeringVector parse(String text, Path source) {
        String where = "vector file " + (source == null ? "<json>" : source.toString());
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String line = e.getLocation() == null ? "" : "line " + e.getLocation().getLineNr() + ": ";
            throw new VectorFileException(source, where + " is not valid JSON: " + line + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new VectorFileException(source, where + ": expected a JSON object");
        JsonNode fmt = root.get("format");
        if (fmt != null && !FORMAT.equals(fmt.asText()))
            throw new VectorFileException(source, where + ": format is " + dev.steer4j.util.SafeText.quoted(fmt.asText()) + ", expected '" + FORMAT + "'");
        JsonNode dirs = root.get("directions");
        if (dirs == null || !dirs.isObject() || dirs.isEmpty())
            throw new VectorFileException(source, where + ": field 'directions' must be a non-empty object of layer -> array of numbers");
        Integer nEmbd = root.has("n_embd") ? root.get("n_embd").asInt() : null;
        TreeMap<Integer, float[]> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = dirs.fields(); it.hasNext(); ) {
            var e = it.next();
            int layer;
            try {
                layer = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw new VectorFileException(source, where + ": directions key " + dev.steer4j.util.SafeText.quoted(e.getKey()) + " is not a layer number");
            }
            if (layer < 0) throw new VectorFileException(source, where + ": directions key '" + e.getKey() + "' is negative");
            if (!e.getKey().equals(Integer.toString(layer)))
                throw new VectorFileException(source, where + ": directions key '" + e.getKey() + "' should be written " + layer
                        + " (keys like 01 or +1 could collide with another key for the same layer)");
            JsonNode arr = e.getValue();
            if (!arr.isArray()) throw new VectorFileException(source, where + ": directions." + layer + " must be an array of numbers");
            float[] v = new float[arr.size()];
            for (int i = 0; i < v.length; i++) {
                JsonNode x = arr.get(i);
                if (!x.isNumber()) throw new VectorFileException(source, where + ": directions." + layer + "[" + i + "] is " + x + ", not a number");
                v[i] = x.floatValue();
                if (!Float.isFinite(v[i])) throw new VectorFileException(source, where + ": directions." + layer + "[" + i + "] = " + x + " is not a finite float");
            }
            if (nEmbd != null && v.length != nEmbd)
                throw new VectorFileException(source, where + ": directions." + layer + " has " + v.length + " values but n_embd is " + nEmbd);
            if (!out.isEmpty() && out.firstEntry().getValue().length != v.length)
                throw new VectorFileException(source, where + ": directions." + layer + " has " + v.length + " values but directions." + out.firstKey() + " has " + out.firstEntry().getValue().length);
            out.put(layer, v);
        }
        JsonNode m = root.path("metadata");
        Map<String, String> extra = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = m.path("extra").fields(); it.hasNext(); ) {
            var e = it.next();
            extra.put(e.getKey(), e.getValue().asText());
        }
        if (source != null) extra.put("source", source.toString());
        VectorMetadata md = new VectorMetadata(text(m, "method"), m.has("site") ? text(m, "site") : "resid_post", text(m, "read_position"),
                text(m, "dataset"), text(m, "dataset_sha256"), text(m, "model"), extra);
        return SteeringVector.of(out, md);
    }

    private static String text(JsonNode m, String k) {
        JsonNode x = m.get(k);
        return x == null || x.isNull() ? null : x.asText();
    }
}
