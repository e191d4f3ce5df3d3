package dev.steer4j.format.pytorch;

/** A PyTorch checkpoint that cannot be read safely: a bad container, a forbidden pickle construct, a bad tensor. */
public final class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }
    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
