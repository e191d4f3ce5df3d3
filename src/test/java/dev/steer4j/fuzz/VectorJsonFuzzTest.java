package dev.steer4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFileException;
import dev.steer4j.steer.VectorJson;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary text as a steer4j JSON vector: a vector with finite values that survives a write/parse round trip, or
 * a {@link VectorFileException}. Anything else is a finding.
 */
class VectorJsonFuzzTest {
    private static final Path LABEL = Path.of("fuzz-vector.json");

    @FuzzTest
    void vectorJson(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        SteeringVector v;
        try {
            v = VectorJson.parse(text, LABEL);
        } catch (VectorFileException expected) {
            return;
        }
        for (float[] d : v.layers().values()) for (float x : d) assertTrue(Float.isFinite(x));
        SteeringVector again = VectorJson.parse(VectorJson.toJson(v), LABEL);
        assertEquals(v.layers().keySet(), again.layers().keySet());
    }
}
