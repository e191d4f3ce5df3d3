package dev.steer4j.format.gguf;

import java.nio.file.Path;

/**
 * A GGUF file that cannot be read: the message names the file, the field or tensor, and the offset or value.
 */
public class GGUFFormatException extends RuntimeException {
    private final Path file;
    private final long offset;

    public GGUFFormatException(Path file, long offset, String what) {
        super(dev.steer4j.format.SafeText.of(String.valueOf(file), 500) + ": " + dev.steer4j.format.SafeText.message(what)
                + (offset >= 0 ? " (at byte offset " + offset + ")" : ""));
        this.file = file;
        this.offset = offset;
    }

    public Path file() { return file; }

    /** Byte offset of the problem, or -1 when it is not tied to one. */
    public long offset() { return offset; }
}
