package dev.steer4j.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One scratch file per fuzz target for readers that take a path (in /dev/shm when there is one, else the temp dir). */
final class FuzzFiles {
    private FuzzFiles() {}

    static Path scratch(String name) {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm) ? Files.createTempDirectory(shm, "steer4j-fuzz") : Files.createTempDirectory("steer4j-fuzz");
            dir.toFile().deleteOnExit();
            Path p = dir.resolve(name);
            p.toFile().deleteOnExit();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, byte[] bytes) {
        try {
            Files.write(p, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
