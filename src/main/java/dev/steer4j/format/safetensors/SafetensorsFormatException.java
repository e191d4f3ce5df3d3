package dev.steer4j.format.safetensors;

import java.nio.file.Path;

/** A safetensors file (or its shard index) is missing, unreadable or malformed; the message names the file and field. */
public final class SafetensorsFormatException extends RuntimeException {
    public SafetensorsFormatException(Path file, String message) {
        super(file + ": " + message);
    }

    public SafetensorsFormatException(Path file, String message, Throwable cause) {
        super(file + ": " + message, cause);
    }
}
