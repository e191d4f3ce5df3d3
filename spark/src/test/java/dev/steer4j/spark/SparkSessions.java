package dev.steer4j.spark;

import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Spark sessions for the tests, from a plain Maven test classpath (no Spark distribution):
 * <ul>
 * <li>{@code local[2]}: two task threads in this JVM;</li>
 * <li>{@code local-cluster[2,1,1024]}: an in-process master and two workers, each starting a separate executor JVM
 *     (1 core, 1 GiB), so tasks, closures and results really cross JVMs. The workers need a "Spark home": with
 *     {@code spark.testing} set (surefire sets it) they take {@code spark.test.home}, and the executors get this
 *     JVM's class path and {@link SparkJvm#options()}.</li>
 * </ul>
 */
final class SparkSessions {
    private SparkSessions() {}

    static final Path MODEL = Path.of("models/stories260K/stories260K.gguf").toAbsolutePath();

    static SparkSession local() {
        return base("local[2]").getOrCreate();
    }

    static SparkSession localCluster() {
        System.setProperty("spark.test.home", fakeSparkHome().toString());
        return base("local-cluster[2,1,1024]")
                .config("spark.executor.extraClassPath", System.getProperty("java.class.path"))
                .config("spark.executor.extraJavaOptions", SparkJvm.options() + " -Xss4m")
                .config("spark.executor.memory", "1024m")
                .getOrCreate();
    }

    private static SparkSession.Builder base(String master) {
        return SparkSession.builder().master(master).appName("steer4j-spark test")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .config("spark.default.parallelism", "2");
    }

    /** An empty Spark home: the worker's launcher looks for jars/ (empty: the class path comes from this JVM). */
    private static Path fakeSparkHome() {
        Path home = Path.of("spark/target/spark-test-home").toAbsolutePath();
        try {
            Files.createDirectories(home.resolve("jars"));
            Files.createDirectories(home.resolve("launcher/target/scala-2.13"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return home;
    }
}
