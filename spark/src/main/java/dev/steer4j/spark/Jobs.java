package dev.steer4j.spark;

import org.apache.spark.sql.SparkSession;

/** What the jobs' main classes share. */
final class Jobs {
    private Jobs() {}

    /** The session spark-submit configured (master, executors), named after the job. */
    static SparkSession session(String name) {
        return SparkSession.builder().appName(name).getOrCreate();
    }
}
