package dev.steer4j.spark;

import java.util.List;

/**
 * The JVM options steer4j's Spark jobs need on JDK 25, for the driver and every executor (docs/scaling.md):
 * steer4j's own (the incubating Vector API, native access for the memory-mapped model) and the {@code --add-opens}
 * list Spark 4 opens for its serializers and off-heap memory (Spark's own launcher adds the same list when it starts
 * a JVM through {@code bin/spark-submit}; a JVM started any other way, such as a test, needs them given).
 */
public final class SparkJvm {
    private SparkJvm() {}

    /**
     * steer4j's options (the Vector API module, native access for FFM memory mapping) and one for Spark on JDK 24+:
     * Spark's off-heap memory ({@code org.apache.spark.unsafe.Platform}) uses {@code sun.misc.Unsafe}, which JDK 25
     * warns about on first use unless allowed.
     */
    public static final List<String> STEER4J = List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
            "--sun-misc-unsafe-memory-access=allow");

    /**
     * The packages Spark 4 reflects into on JDK 17+ (Spark's JavaModuleOptions, less {@code sun.security.action},
     * which JDK 25 no longer has: opening it only prints a warning).
     */
    public static final List<String> ADD_OPENS = List.of(
            "java.base/java.lang", "java.base/java.lang.invoke", "java.base/java.lang.reflect", "java.base/java.io",
            "java.base/java.net", "java.base/java.nio", "java.base/java.util", "java.base/java.util.concurrent",
            "java.base/java.util.concurrent.atomic", "java.base/jdk.internal.ref", "java.base/sun.nio.ch",
            "java.base/sun.nio.cs", "java.base/sun.util.calendar");

    /** Every option, as one string for {@code spark.driver.extraJavaOptions} / {@code spark.executor.extraJavaOptions}. */
    public static String options() {
        StringBuilder sb = new StringBuilder(String.join(" ", STEER4J));
        for (String p : ADD_OPENS) sb.append(" --add-opens=").append(p).append("=ALL-UNNAMED");
        return sb.toString();
    }
}
