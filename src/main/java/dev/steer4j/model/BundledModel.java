package dev.steer4j.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The model that ships inside steer4j's jar: Karpathy's TinyStories stories260K (a 260K-parameter Llama, MIT licence),
 * enough to try every feature without a download.
 * <pre>{@code
 * try (Model m = BundledModel.load()) { ... }
 * }</pre>
 * It is read from a checkout ({@code -Dsteer4j.home}, else the working directory) when there is one; otherwise it is
 * extracted once from the jar into {@code ~/.cache/steer4j} (GGUF files are memory-mapped, so they must be files).
 */
public final class BundledModel {
    /** Its path inside a steer4j checkout. */
    public static final String RELATIVE = "models/stories260K/stories260K.gguf";
    private static final String RESOURCE = "/steer4j/models/stories260K.gguf";

    private BundledModel() {}

    /** Loads the bundled model; close it when done. */
    public static Model load() {
        return Model.load(path());
    }

    /** The bundled model as a file. */
    public static Path path() {
        String home = System.getProperty("steer4j.home");
        if (home != null && Files.isRegularFile(Path.of(home, RELATIVE))) return Path.of(home, RELATIVE);
        if (Files.isRegularFile(Path.of(RELATIVE))) return Path.of(RELATIVE);
        try (InputStream in = BundledModel.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("the bundled model is missing from this build; pass --model FILE.gguf");
            Path dir = Path.of(System.getProperty("user.home"), ".cache", "steer4j");
            Files.createDirectories(dir);
            Path out = dir.resolve("stories260K.gguf");
            if (!Files.exists(out)) {
                Path tmp = Files.createTempFile(dir, "stories260K", ".part");
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
