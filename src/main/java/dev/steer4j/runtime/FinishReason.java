package dev.steer4j.runtime;

/** Why generation ended; the names follow the OpenAI API's {@code finish_reason}. */
public enum FinishReason {
    /** An end-of-generation token or a stop string. */
    STOP,
    /** The token budget ran out. */
    LENGTH,
    /** The listener or the caller cancelled. */
    CANCELLED;

    public String apiName() { return this == LENGTH ? "length" : this == STOP ? "stop" : "cancelled"; }
}
