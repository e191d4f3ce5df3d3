package dev.steer4j.steer;

import java.nio.file.Path;

/** A vector file that cannot be read or does not fit the model; the message names the file and what is wrong. */
public class VectorFileException extends IllegalArgumentException {
    private final Path file;

    public VectorFileException(Path file, String message) {
        super(dev.steer4j.format.SafeText.message(message));
        this.file = file;
    }

    public VectorFileException(Path file, String message, Throwable cause) {
        super(dev.steer4j.format.SafeText.message(message), cause);
        this.file = file;
    }

    public Path file() { return file; }
}
