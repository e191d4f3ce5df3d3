package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** {@code --vector v.gguf}: a steering vector file (llama.cpp control-vector GGUF). */
final class VectorOption {
    @Option(names = {"-v", "--vector"}, required = true, paramLabel = "VECTOR.gguf",
            description = "Steering vector: a llama.cpp control-vector GGUF (direction.L tensors)")
    Path vector;

    SteeringVector load(Model model) {
        return ControlVectorFile.readFor(vector, model);
    }

    String name() {
        return vector.getFileName().toString();
    }
}
