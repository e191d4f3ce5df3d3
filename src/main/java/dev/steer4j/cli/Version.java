package dev.steer4j.cli;

import picocli.CommandLine;

/** Reports the steer4j version from the jar manifest. */
public final class Version implements CommandLine.IVersionProvider {
    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }

    @Override
    public String[] getVersion() {
        return new String[]{"steer4j " + get() + " (Java " + Runtime.version() + ")"};
    }
}
