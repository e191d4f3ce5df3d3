package dev.steer4j.guard;

import java.util.Locale;

/** What a detector does when a prompt's score crosses its threshold. */
public enum GuardPolicy {
    /** Report the score and the decision; change nothing. */
    FLAG,
    /** Answer with the detector's refusal text instead of generating. */
    BLOCK,
    /** Add a corrective vector to this request's residual stream. */
    STEER,
    /** Project the detector's direction out of this request's residual stream. */
    ABLATE;

    public String apiName() { return name().toLowerCase(Locale.ROOT); }

    /** The action a triggered detector reports. */
    public String action() {
        return switch (this) {
            case FLAG -> "flagged";
            case BLOCK -> "blocked";
            case STEER -> "steered";
            case ABLATE -> "ablated";
        };
    }

    public static GuardPolicy parse(String s) {
        if (s != null) {
            for (GuardPolicy p : values()) if (p.apiName().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
        }
        throw new IllegalArgumentException("guard policy '" + s + "': expected flag, block, steer or ablate");
    }
}
