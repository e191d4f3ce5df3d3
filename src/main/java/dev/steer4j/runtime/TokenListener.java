package dev.steer4j.runtime;

/** Receives each generated token as it is produced, with the text it completes (possibly empty). */
@FunctionalInterface
public interface TokenListener {
    /** @return false to stop generating */
    boolean onToken(int token, String text);
}
