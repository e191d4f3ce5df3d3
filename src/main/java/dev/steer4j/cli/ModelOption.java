package dev.steer4j.cli;

import dev.steer4j.model.Model;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code --model} option shared by every command; it defaults to the bundled stories260K. */
public final class ModelOption {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL.gguf",
            description = "GGUF model file (default: the bundled stories260K)")
    Path model;

    public Path path() {
        return model != null ? model : BundledModel.path();
    }

    public Model load() {
        return Model.load(path());
    }
}
