package dev.steer4j.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in-process and captures what it prints. */
public final class CliRunner {
    public record Result(int exitCode, String out, String err) {}

    private CliRunner() {}

    /**
     * The Jazzer agent that the fuzz tests install into this same test JVM logs "INFO: Instrumented ..." to whatever
     * System.err is when it instruments a class; those lines are the test harness's, not the CLI's.
     */
    static String withoutJazzerNotes(String err) {
        return err.replaceAll("(?m)^INFO: Instrumented .*\\R", "");
    }

    public static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int rc = Main.run(args);
            System.out.flush();
            return new Result(rc, out.toString(StandardCharsets.UTF_8), withoutJazzerNotes(err.toString(StandardCharsets.UTF_8)));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }
}
