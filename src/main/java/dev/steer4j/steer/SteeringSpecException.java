package dev.steer4j.steer;

/** A steering request that cannot be resolved: names the field (in the entry point's terms) and the reason. */
public final class SteeringSpecException extends IllegalArgumentException {
    private final String field;
    private final String reason;
    private final boolean notFound;

    public SteeringSpecException(String field, String reason, boolean notFound, Throwable cause) {
        super(field + ": " + reason, cause);
        this.field = field;
        this.reason = reason;
        this.notFound = notFound;
    }

    public SteeringSpecException(String field, String reason) {
        this(field, reason, false, null);
    }

    /** The field, as the entry point names it ({@code --ablate}, {@code steering[0].layers}). */
    public String field() { return field; }

    /** What is wrong, without the field. */
    public String reason() { return reason; }

    /** True when a named vector does not exist (the server answers 404). */
    public boolean notFound() { return notFound; }
}
