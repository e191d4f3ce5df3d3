package dev.steer4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.train.grad.Param;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * A training run's checkpoint as JSON: the settings it was started with, the vector and the optimiser state after
 * the last finished step. Written to a temporary file and moved over the old one, so a kill at any moment leaves
 * either the previous or the new checkpoint, never half of one. Resuming refuses a checkpoint whose settings differ,
 * naming the first field that does.
 */
public final class VectorCheckpoint {
    static final String FORMAT = "steer4j-train-vector-checkpoint";
    private static final ObjectMapper JSON = new ObjectMapper();

    private VectorCheckpoint() {}

    public static void write(Path file, Map<String, String> settings, Param vector, AdamW opt) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        ObjectNode s = root.putObject("settings");
        new TreeMap<>(settings).forEach(s::put);
        AdamW.State st = opt.state();
        root.put("step", st.step());
        putArray(root.putArray("vector"), vector.value);
        putArray(root.putArray("m"), st.m()[0]);
        putArray(root.putArray("v"), st.v()[0]);
        try {
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            try {
                JSON.writeValue(tmp.toFile(), root);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    /** Loads a checkpoint into the vector and optimiser after checking that it was made with the same settings. */
    public static void resume(Path file, Map<String, String> settings, Param vector, AdamW opt) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": not a readable checkpoint (" + e.getMessage() + ")");
        }
        if (root == null || !FORMAT.equals(root.path("format").asText()))
            throw new IllegalArgumentException(file + ": not a " + FORMAT + " file");
        JsonNode s = root.path("settings");
        for (var e : new TreeMap<>(settings).entrySet()) {
            String was = s.path(e.getKey()).asText(null);
            if (!e.getValue().equals(was))
                throw new IllegalArgumentException(file + ": checkpoint was made with " + e.getKey() + " = " + was
                        + ", this run has " + e.getKey() + " = " + e.getValue() + " (start afresh without --resume, or use the same settings)");
        }
        double[] v = doubles(file, root, "vector", vector.value.length);
        double[] m = doubles(file, root, "m", vector.value.length), vv = doubles(file, root, "v", vector.value.length);
        long step = root.path("step").asLong(-1);
        if (step < 0) throw new IllegalArgumentException(file + ": field 'step' is missing or negative");
        System.arraycopy(v, 0, vector.value, 0, v.length);
        opt.restore(new AdamW.State(step, new double[][]{m}, new double[][]{vv}));
    }

    private static void putArray(ArrayNode a, double[] v) { for (double x : v) a.add(x); }

    private static double[] doubles(Path file, JsonNode root, String field, int n) {
        JsonNode a = root.path(field);
        if (!a.isArray() || a.size() != n)
            throw new IllegalArgumentException(file + ": field '" + field + "' should be an array of " + n + " numbers");
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            if (!a.get(i).isNumber()) throw new IllegalArgumentException(file + ": " + field + "[" + i + "] is not a number");
            out[i] = a.get(i).asDouble();
        }
        return out;
    }
}
