package dev.steer4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFFormatException;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFileException;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary bytes as a llama.cpp control-vector GGUF: either a vector whose every value is finite, or a
 * {@link GGUFFormatException}/{@link VectorFileException}. Anything else is a finding.
 */
class ControlVectorFuzzTest {
    private static final Path LABEL = Path.of("fuzz-vector.gguf");

    @FuzzTest
    void controlVector(byte[] bytes) {
        GGUFFile f;
        try {
            f = GGUFFile.fromBytes(LABEL, bytes);
        } catch (GGUFFormatException expected) {
            return;
        }
        try (f) {
            SteeringVector v = ControlVectorFile.fromGGUF(f, LABEL);
            for (int layer : v.layers().keySet()) {
                assertTrue(layer >= 1, "layer " + layer);
                for (float x : v.layers().get(layer)) assertTrue(Float.isFinite(x));
            }
        } catch (VectorFileException expected) {
            // a clear error
        }
    }
}
