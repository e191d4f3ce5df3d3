package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFiles;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --vector v.gguf}: a steering vector file (llama.cpp control-vector GGUF, or steer4j {@code .json}). */
final class VectorOption {
    @Option(names = {"-v", "--vector"}, required = true, paramLabel = "VECTOR.gguf",
            description = "Steering vector: a llama.cpp control-vector GGUF (direction.L tensors) or a .json vector")
    Path vector;

    SteeringVector load(Model model) {
        return VectorFiles.readFor(vector, model);
    }

    String name() {
        return vector.getFileName().toString();
    }
}
