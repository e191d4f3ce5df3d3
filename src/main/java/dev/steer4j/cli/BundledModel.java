package dev.steer4j.cli;

import java.nio.file.Path;

/** The CLI's default model: {@link dev.steer4j.model.BundledModel}, the stories260K that ships with steer4j. */
public final class BundledModel {
    public static final String RELATIVE = dev.steer4j.model.BundledModel.RELATIVE;

    private BundledModel() {}

    public static Path path() {
        return dev.steer4j.model.BundledModel.path();
    }
}
