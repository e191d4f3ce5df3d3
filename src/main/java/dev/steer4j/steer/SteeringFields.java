package dev.steer4j.steer;

/**
 * How an entry point names the parts of a steering request in its errors: {@code --layers} on the command line,
 * {@code steering[0].layers} in an HTTP body, {@code add[0].layers} in Java code.
 */
public interface SteeringFields {
    /** The kinds of item in a {@link SteeringSpec}. */
    enum Part { ADD, CLAMP, ABLATE, CONDITION, RULE, KEEP_NORM, REFT }

    /**
     * The field of item {@code index} of {@code part}, component {@code component} ({@code vector}, {@code coefficient},
     * {@code value}, {@code layers}, {@code site}, {@code positions}, {@code layer}, {@code threshold},
     * {@code comparison}, {@code aggregate}); {@code index < 0} and a null component name the part as a whole.
     */
    String name(Part part, int index, String component);

    /** How the entry point picks one layer of a vector to ablate (for the error a multi-layer ablation gets). */
    String ablateLayerHint(SteeringSpec.Ref vector);

    /** Java code: {@code add[0].layers}, {@code ablate[1].layer}, {@code condition[0].threshold}, {@code rule}. */
    SteeringFields JAVA = new SteeringFields() {
        @Override
        public String name(Part part, int index, String component) {
            String base = switch (part) {
                case ADD -> "add";
                case CLAMP -> "clamp";
                case ABLATE -> "ablate";
                case CONDITION -> "condition";
                case RULE -> "rule";
                case KEEP_NORM -> "keepNorm";
                case REFT -> "reft";
            };
            if (index >= 0) base += "[" + index + "]";
            return component == null ? base : base + "." + component;
        }

        @Override
        public String ablateLayerHint(SteeringSpec.Ref vector) {
            return "new SteeringSpec.Ablate(ref, L)";
        }
    };
}
