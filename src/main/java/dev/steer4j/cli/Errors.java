package dev.steer4j.cli;

import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;

/** Turns an exception into the one line the CLI prints. */
final class Errors {
    private Errors() {}

    static String describe(Throwable t) {
        if (t instanceof UncheckedIOException u && u.getCause() != null) t = u.getCause();
        if (t instanceof NoSuchFileException n) return "file not found: " + n.getFile();
        if (t instanceof OutOfMemoryError) return "out of memory (" + t.getMessage() + "); try a smaller model or prompt, or raise -Xmx via STEER4J_JAVA_OPTS";
        String m = t.getMessage();
        if (m == null || m.isBlank()) m = t.getClass().getSimpleName();
        return dev.steer4j.format.SafeText.message(m);
    }
}
