package dev.steer4j.serve;

import dev.steer4j.util.Text;
import dev.steer4j.model.Model;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorFileException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The server's named steering vectors: one llama.cpp control-vector GGUF per name, {@code <dir>/<name>.gguf}.
 * A write goes to a temporary file in the same directory, is read back and checked against the model, and only then
 * moved onto its name atomically; a write that fails at any point leaves no file under that name and no temporary
 * file. Names are checked against {@link #NAME} so no request can reach outside the directory.
 */
public final class VectorLibrary {
    /** Letters, digits, '_', '-' and '.', starting with a letter or digit, at most 64 characters. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,63}");
    private static final String EXT = ".gguf";
    private static final String TMP_PREFIX = ".tmp-";

    /** One stored vector as listed. */
    /** {@code problem}: why the vector cannot be used with the served model (wrong width, layers, unreadable), else null. */
    public record Entry(String name, List<Integer> layers, int dim, String method, long bytes, String problem) {
        public Entry(String name, List<Integer> layers, int dim, String method, long bytes) {
            this(name, layers, dim, method, bytes, null);
        }
    }

    private final Path dir;
    private final Model model;
    private final Map<String, SteeringVector> cache = new ConcurrentHashMap<>();

    public VectorLibrary(Path dir, Model model) {
        this.dir = dir;
        this.model = model;
        try {
            Files.createDirectories(dir);
            // Temporary files of writes interrupted by a crash are never valid vectors; remove them.
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, TMP_PREFIX + "*")) {
                for (Path p : ds) Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use vector directory " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() { return dir; }

    /** Checks a vector name; the error names the parameter and the value. */
    public static String checkName(String name, String param) {
        if (name == null || !NAME.matcher(name).matches() || name.contains(".."))
            throw ApiException.invalid(param, "invalid_vector_name", "'" + param + "' must be a vector name of letters, digits, '_', '-' or '.' "
                    + "(starting with a letter or digit, at most 64 characters, no '..'), got " + (name == null ? "nothing" : "\"" + Text.abbreviate(name, 80) + "\""));
        return name;
    }


    private Path file(String name) {
        Path p = dir.resolve(name + EXT).normalize();
        if (!p.getParent().equals(dir.normalize())) throw ApiException.invalid("name", "invalid_vector_name", "vector name \"" + name + "\" leaves the library");
        return p;
    }

    public synchronized List<Entry> list() {
        List<Entry> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + EXT)) {
            for (Path p : ds) {
                String fn = p.getFileName().toString();
                String name = fn.substring(0, fn.length() - EXT.length());
                if (fn.startsWith(".") || !NAME.matcher(name).matches()) continue;
                try {
                    SteeringVector v = load(name);
                    out.add(entry(name, v));
                } catch (ApiException e) {
                    // A file copied in by hand that does not fit this model, or does not read: listed with the reason.
                    SteeringVector raw = null;
                    try {
                        raw = ControlVectorFile.read(p);
                    } catch (RuntimeException ignored) {
                        // unreadable: no layers or width to show
                    }
                    long bytes = -1;
                    try { bytes = Files.size(p); } catch (IOException ignored) { /* size unknown */ }
                    out.add(new Entry(name, raw == null ? List.of() : List.copyOf(raw.layers().keySet()), raw == null ? -1 : raw.dim(),
                            raw == null ? null : raw.metadata().method(), bytes, e.getMessage()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.sort((a, b) -> a.name().compareTo(b.name()));
        return out;
    }

    private Entry entry(String name, SteeringVector v) {
        long bytes;
        try {
            bytes = Files.size(file(name));
        } catch (IOException e) {
            bytes = -1;
        }
        return new Entry(name, List.copyOf(v.layers().keySet()), v.dim(), v.metadata().method(), bytes);
    }

    public boolean contains(String name) {
        return Files.isRegularFile(file(checkName(name, "name")));
    }

    /** The vector stored under {@code name}; 404 when there is none. */
    public SteeringVector get(String name) {
        checkName(name, "vector");
        SteeringVector v = cache.get(name);
        if (v != null && Files.isRegularFile(file(name))) return v;
        synchronized (this) {
            if (!Files.isRegularFile(file(name)))
                throw ApiException.notFound("vector", "vector_not_found", "no vector named \"" + name + "\" in the library (GET /v1/vectors lists them)");
            return load(name);
        }
    }

    private SteeringVector load(String name) {
        SteeringVector v = cache.get(name);
        if (v != null) return v;
        try {
            v = ControlVectorFile.readFor(file(name), model);
        } catch (VectorFileException e) {
            throw new ApiException(422, "library vector \"" + name + "\" cannot be used with this model: "
                    + e.getMessage().replace(file(name).toString(), name + EXT), "invalid_request_error", "vector", "vector_incompatible");
        }
        cache.put(name, v);
        return v;
    }

    /** Stores a vector (layer 0 is dropped: llama.cpp control vectors cannot hold it). */
    public synchronized Entry put(String name, SteeringVector v, boolean overwrite) {
        checkName(name, "name");
        SteeringVector stored = v.has(0) ? v.restrict(1, Integer.MAX_VALUE) : v;
        checkAbsent(name, overwrite);
        Path tmp = newUpload(name);
        try {
            ControlVectorFile.write(tmp, stored);
        } catch (RuntimeException e) {
            deleteQuietly(tmp);
            throw e;
        }
        return commit(name, overwrite, tmp);
    }

    /** Stores an uploaded control-vector GGUF after checking that it reads and fits the model. */
    public synchronized Entry putFile(String name, byte[] gguf, boolean overwrite) {
        checkName(name, "name");
        checkAbsent(name, overwrite);
        Path tmp = newUpload(name);
        try {
            Files.write(tmp, gguf);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot write vector \"" + name + "\" to " + dir + ": " + e.getMessage(), e);
        }
        return commit(name, overwrite, tmp);
    }

    /**
     * A new temporary file in the library directory for an upload to be streamed into (outside the library's lock);
     * hand it to {@link #putUpload}, which moves it onto the name or deletes it. Leftovers of a crash are removed at
     * the next start.
     */
    public Path newUpload(String name) {
        checkName(name, "name");
        try {
            return Files.createTempFile(dir, TMP_PREFIX + name + "-", EXT);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vector \"" + name + "\" to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Stores a file from {@link #newUpload} after checking that it reads and fits the model; the file is consumed either way. */
    public synchronized Entry putUpload(String name, Path upload, boolean overwrite) {
        if (!dir.equals(upload.getParent()) || !upload.getFileName().toString().startsWith(TMP_PREFIX))
            throw new IllegalArgumentException(upload + " is not an upload of this library (use newUpload)");
        try {
            checkName(name, "name");
            checkAbsent(name, overwrite);
        } catch (RuntimeException e) {
            deleteQuietly(upload);
            throw e;
        }
        return commit(name, overwrite, upload);
    }

    /** 409 naming the vector when it exists and {@code overwrite} is false. */
    void checkAbsent(String name, boolean overwrite) {
        if (!overwrite && Files.exists(file(name)))
            throw new ApiException(409, "a vector named \"" + name + "\" already exists (DELETE /v1/vectors/" + name + " first, or pass overwrite=true)",
                    "invalid_request_error", "name", "vector_exists");
    }

    /** Checks {@code tmp} (a file in the library directory) and moves it onto the name; deletes it when anything fails. */
    private Entry commit(String name, boolean overwrite, Path tmp) {
        Path target = file(name);
        try {
            checkAbsent(name, overwrite);
            try {
                ControlVectorFile.readFor(tmp, model);
            } catch (VectorFileException e) {
                throw ApiException.invalid("file", "invalid_vector_file", "the uploaded vector is not a usable control vector: "
                        + e.getMessage().replace(tmp.toString(), "upload"));
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            cache.remove(name);
            return entry(name, load(name));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vector \"" + name + "\" to " + dir + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the directory scan at start-up removes leftovers
        }
    }

    /** Deletes a vector; 404 when there is none. */
    public synchronized void delete(String name) {
        checkName(name, "name");
        Path p = file(name);
        try {
            if (!Files.deleteIfExists(p))
                throw ApiException.notFound("name", "vector_not_found", "no vector named \"" + name + "\" in the library");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            cache.remove(name);
        }
    }
}
