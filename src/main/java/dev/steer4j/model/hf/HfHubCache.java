package dev.steer4j.model.hf;

import dev.steer4j.model.ModelException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Hugging Face hub cache as {@code huggingface_hub} lays it out: {@code <cache>/models--ORG--NAME/} with
 * {@code refs/<revision>} (a file holding the commit), {@code snapshots/<commit>/<file>} (links into
 * {@code blobs/}) and {@code blobs/<etag>}. The cache directory is {@code $HF_HUB_CACHE}, else
 * {@code $HF_HOME/hub}, else {@code $XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}.
 */
public final class HfHubCache {
    private final Path root;

    public HfHubCache(Path root) {
        this.root = root;
    }

    /** The cache the environment names. */
    public static HfHubCache fromEnvironment(Map<String, String> env) {
        String hub = env.get("HF_HUB_CACHE");
        if (hub != null && !hub.isBlank()) return new HfHubCache(Path.of(hub));
        String home = env.get("HF_HOME");
        if (home != null && !home.isBlank()) return new HfHubCache(Path.of(home, "hub"));
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) return new HfHubCache(Path.of(xdg, "huggingface", "hub"));
        return new HfHubCache(Path.of(System.getProperty("user.home"), ".cache", "huggingface", "hub"));
    }

    public Path root() { return root; }

    public Path repoDir(HfRepoRef ref) {
        return root.resolve(ref.cacheFolder());
    }

    /** The commit a revision names: itself when it is a commit hash, else the content of {@code refs/<revision>}. */
    public String commitOf(HfRepoRef ref) {
        if (ref.revisionIsCommit()) return ref.revision();
        Path r = repoDir(ref).resolve("refs").resolve(ref.revision());
        if (!Files.isRegularFile(r)) return null;
        try {
            String c = Files.readString(r).strip();
            if (!c.matches("[0-9a-f]{40}")) throw new ModelException(r + ": does not hold a commit hash ('" + c + "')");
            return c;
        } catch (IOException e) {
            throw new ModelException(r + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * The snapshot directory of a model already in the cache, or an error saying where it was looked for and how to
     * fetch it.
     */
    public Path resolve(HfRepoRef ref) {
        String commit = commitOf(ref);
        Path snap = commit == null ? null : repoDir(ref).resolve("snapshots").resolve(commit);
        if (snap == null || !Files.isDirectory(snap))
            throw new ModelException(ref + " is not in the Hugging Face cache (" + (snap != null ? snap : repoDir(ref).resolve("refs").resolve(ref.revision()))
                    + " is missing); add --download to fetch it, or set HF_HUB_CACHE / HF_HOME to the cache that has it");
        if (!Files.isRegularFile(snap.resolve("config.json")))
            throw new ModelException(ref + ": snapshot " + snap + " has no config.json (incomplete download? add --download to finish it)");
        return snap;
    }
}
