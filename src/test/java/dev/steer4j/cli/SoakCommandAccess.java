package dev.steer4j.cli;

import java.time.Duration;

/** Test access to {@link SoakCommand}'s package-private duration parser. */
public final class SoakCommandAccess {
    private SoakCommandAccess() {}

    public static Duration parse(String s) {
        return SoakCommand.parseDuration(s);
    }
}
