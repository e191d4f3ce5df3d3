package dev.steer4j.testutil;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Paths and JSON readers for the oracle files copied into src/test/resources. */
public final class Fixtures {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Fixtures() {}

    /** The bundled default model. */
    public static Path stories260K() {
        return Path.of("models/stories260K/stories260K.gguf");
    }

    public static Path resource(String relative) {
        Path p = Path.of("src/test/resources").resolve(relative);
        if (!Files.exists(p)) throw new IllegalStateException("missing test resource " + p);
        return p;
    }

    public static JsonNode json(String relative) {
        try {
            return JSON.readTree(resource(relative).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static int[] ints(JsonNode arr) {
        int[] out = new int[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = arr.get(i).asInt();
        return out;
    }

    public static float[] floats(JsonNode arr) {
        float[] out = new float[arr.size()];
        for (int i = 0; i < out.length; i++) out[i] = (float) arr.get(i).asDouble();
        return out;
    }

    /** Max |a[i] - b[off + i]|. */
    public static double maxAbsDiff(float[] a, float[] b, int bOff) {
        double m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[bOff + i]));
        return m;
    }

    public static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[off + i] > x[off + best]) best = i;
        return best;
    }
}
