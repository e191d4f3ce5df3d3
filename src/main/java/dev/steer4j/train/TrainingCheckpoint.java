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
 * A training run's checkpoint as JSON: the settings it was started with, every parameter and the optimiser state
 * after the last finished step. Written to a temporary file and moved over the old one, so a kill at any moment leaves
 * either the previous or the new checkpoint, never half of one. Resuming refuses a checkpoint whose settings differ,
 * naming the first field that does.
 */
public final class TrainingCheckpoint {
    static final String FORMAT = "steer4j-training-checkpoint";
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrainingCheckpoint() {}

    public static void write(Path file, Map<String, String> settings, Param vector, AdamW opt) {
        write(file, settings, java.util.List.of(vector), opt);
    }

    public static void write(Path file, Map<String, String> settings, java.util.List<Param> params, AdamW opt) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("version", 1);
        ObjectNode s = root.putObject("settings");
        new TreeMap<>(settings).forEach(s::put);
        AdamW.State st = opt.state();
        root.put("step", st.step());
        ObjectNode ps = root.putObject("params");
        for (int i = 0; i < params.size(); i++) {
            ObjectNode p = ps.putObject(params.get(i).name);
            putArray(p.putArray("value"), params.get(i).value);
            putArray(p.putArray("m"), st.m()[i]);
            putArray(p.putArray("v"), st.v()[i]);
        }
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
        resume(file, settings, java.util.List.of(vector), opt);
    }

    public static void resume(Path file, Map<String, String> settings, java.util.List<Param> params, AdamW opt) {
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
        long step = root.path("step").asLong(-1);
        if (step < 0) throw new IllegalArgumentException(file + ": field 'step' is missing or negative");
        double[][] m = new double[params.size()][], vv = new double[params.size()][], values = new double[params.size()][];
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            JsonNode node = root.path("params").path(p.name);
            if (node.isMissingNode()) throw new IllegalArgumentException(file + ": parameter '" + p.name + "' is missing");
            values[i] = doubles(file, node, p.name + ".value", "value", p.value.length);
            m[i] = doubles(file, node, p.name + ".m", "m", p.value.length);
            vv[i] = doubles(file, node, p.name + ".v", "v", p.value.length);
        }
        for (int i = 0; i < params.size(); i++) System.arraycopy(values[i], 0, params.get(i).value, 0, values[i].length);
        opt.restore(new AdamW.State(step, m, vv));
    }

    private static void putArray(ArrayNode a, double[] v) { for (double x : v) a.add(x); }

    private static double[] doubles(Path file, JsonNode node, String label, String key, int n) {
        String field = label;
        JsonNode a = node.path(key);
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
