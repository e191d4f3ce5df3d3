package dev.steer4j.fuzz;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.testutil.TinyModel;

import java.nio.file.Files;
import java.nio.file.Path;

/** Regenerates the committed GGUF fuzzing seeds: {@code java ... dev.steer4j.fuzz.WriteSeeds}. Not a test. */
final class WriteSeeds {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of("src/test/resources/dev/steer4j/fuzz/GGUFModelFuzzTestInputs/gguf");
        Files.createDirectories(dir);
        Files.write(dir.resolve("tiny-f32.gguf"), TinyModel.bytes(GGMLType.F32));
        Files.write(dir.resolve("tiny-q8_0.gguf"), TinyModel.bytes(GGMLType.Q8_0));
    }
}
