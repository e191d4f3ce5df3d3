package dev.steer4j.runtime;

/**
 * Code that runs at a hook point. It receives one sequence's rows at that point and may read them (capture) or
 * write them in place (intervene). The same call happens during prefill (many rows) and decode (one row).
 */
@FunctionalInterface
public interface Hook {
    void apply(Activations rows);
}
