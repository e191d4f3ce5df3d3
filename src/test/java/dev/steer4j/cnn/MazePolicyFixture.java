package dev.steer4j.cnn;

import dev.steer4j.cnn.ImpalaCnn;
import dev.steer4j.format.pytorch.TorchCheckpoint;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** The maze checkpoint, read from ../shared (no licence: never copied into the repository). */
public final class MazePolicyFixture {
    public static final Path CHECKPOINT = Path.of("../shared/models/maze/model_160022528.pth");
    private static ImpalaCnn net;

    private MazePolicyFixture() {}

    /** The policy, or skips the test with a message when ../shared is absent. */
    public static synchronized ImpalaCnn policy() {
        Assumptions.assumeTrue(Files.isRegularFile(CHECKPOINT),
                "skipped: the maze checkpoint " + CHECKPOINT + " is absent (it has no licence and is not in the repository; CI has ../shared)");
        if (net == null) net = ImpalaCnn.fromStateDict(TorchCheckpoint.readStateDict(CHECKPOINT), 64, 64);
        return net;
    }
}
