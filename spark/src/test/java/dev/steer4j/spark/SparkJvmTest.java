package dev.steer4j.spark;

import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The test JVM (surefire's argLine, from reactor/pom.xml spark.jvm.flags) carries every option SparkJvm documents. */
class SparkJvmTest {
    @Test
    void theBuildAndTheDocumentedOptionsAgree() {
        List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
        for (String o : SparkJvm.options().split(" ")) assertTrue(args.contains(o), o + " is missing from the test JVM's options " + args);
    }
}
