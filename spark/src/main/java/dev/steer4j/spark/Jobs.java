package dev.steer4j.spark;

import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;

/** What the jobs' main classes share. */
final class Jobs {
    private Jobs() {}

    /** The session spark-submit configured (master, executors), named after the job. */
    static SparkSession session(String name) {
        return SparkSession.builder().appName(name).getOrCreate();
    }

    /** Runs a job's command line: bad input ends in one line naming the problem and exit status 1. */
    static int run(Object command, String[] args) {
        CommandLine cl = new CommandLine(command);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) root = root.getCause();
            String msg = e.getMessage() != null ? e.getMessage() : e.toString();
            if (root != e && root.getMessage() != null && !msg.contains(root.getMessage())) msg += " (" + root.getMessage() + ")";
            line.getErr().println("steer4j-spark " + line.getCommandName() + ": " + msg);
            return 1;
        });
        return cl.execute(args);
    }
}
