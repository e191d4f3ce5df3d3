package dev.steer4j.cli;

import dev.steer4j.model.Model;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The {@code -m/--model} and {@code -t/--threads} options shared by every command that runs a model; the model defaults to the bundled stories260K. */
public final class ModelOption {
    @Option(names = {"-m", "--model"}, paramLabel = "MODEL.gguf",
            description = "GGUF model file (default: the bundled stories260K)")
    Path model;

    @Mixin ThreadsOption threads;

    /** The worker threads asked for with {@code -t/--threads}, or the number of cores. */
    public int threads() {
        return threads.threads();
    }

    public Path path() {
        threads.threads(); // validates -t/--threads
        return model != null ? model : BundledModel.path();
    }

    public Model load() {
        return Model.load(path());
    }
}
