package dev.steer4j.model.hf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.steer4j.model.ModelException;

import java.nio.file.Path;

/**
 * Arbitrary bytes as a Hugging Face config.json: the family and the GGUF metadata derived from it, or a
 * {@link ModelException} naming the key. Anything else is a finding.
 */
class HfConfigFuzzTest {
    private static final Path FILE;

    static {
        try {
            Path dir = java.nio.file.Files.createTempDirectory("steer4j-fuzz-config");
            dir.toFile().deleteOnExit();
            FILE = dir.resolve("config.json");
            FILE.toFile().deleteOnExit();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @FuzzTest
    void config(byte[] bytes) {
        try {
            java.nio.file.Files.write(FILE, bytes);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try {
            HfConfig c = HfConfig.read(FILE);
            HfFamily family = HfFamily.of(c);
            HfConfigMapping.metadata(family, c);
        } catch (ModelException expected) {
            // a clear error
        }
    }
}
