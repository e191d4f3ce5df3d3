package dev.steer4j.runtime;

/** A sequence would grow past the model's context length. */
public class ContextOverflowException extends RuntimeException {
    public ContextOverflowException(int position, int adding, int limit) {
        super("context length exceeded: " + position + " tokens in the cache + " + adding + " new > limit " + limit);
    }
}
