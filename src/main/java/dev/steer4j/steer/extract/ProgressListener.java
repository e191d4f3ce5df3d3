package dev.steer4j.steer.extract;

/** Told after each prompt's forward pass during extraction. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (done, total) -> {};

    /** {@code done} of {@code total} prompts have been run. */
    void progress(int done, int total);
}
