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
        Path cv = Path.of("src/test/resources/dev/steer4j/fuzz/ControlVectorFuzzTestInputs/controlVector");
        Files.createDirectories(cv);
        new dev.steer4j.format.gguf.GGUFWriter().putString("general.architecture", "controlvector")
                .putString("controlvector.model_hint", "llama").putUInt32("controlvector.layer_count", 2)
                .putString("steer4j.method", "mean_diff").putString("steer4j.extra.note", "seed")
                .addF32("direction.1", new long[]{8}, new float[]{1, 0, -1, 0.5f, 0, 0, 2, 0})
                .addF32("direction.2", new long[]{8}, new float[]{0, 1, 0, 0, -0.25f, 0, 0, 3})
                .write(cv.resolve("two-layers.gguf"));
        Path vj = Path.of("src/test/resources/dev/steer4j/fuzz/VectorJsonFuzzTestInputs/vectorJson");
        Files.createDirectories(vj);
        java.util.TreeMap<Integer, float[]> dirs = new java.util.TreeMap<>();
        dirs.put(1, new float[]{1, 0, -1, 0.5f});
        dirs.put(3, new float[]{0, 1e-3f, 0, -2});
        Files.writeString(vj.resolve("two-layers.json"), dev.steer4j.steer.VectorJson.toJson(dev.steer4j.steer.SteeringVector.of(dirs,
                new dev.steer4j.steer.VectorMetadata("mean_diff", "resid_post", "last", "happy.jsonl", "ab12", "stories260K", java.util.Map.of("k", "v")))));
    }
}
