package dev.steer4j.read;

/** Receives progress from long-running reads, captures and sweeps (the CLI draws a progress bar with it). */
@FunctionalInterface
public interface Progress {
    /** {@code done} of {@code total} units are finished; {@code label} says what is running now. */
    void update(long done, long total, String label);

    Progress NONE = (d, t, l) -> {};
}
