package dev.steer4j.cli;

import dev.steer4j.cnn.CnnCheckpoint;
import dev.steer4j.cnn.ImpalaCnn;
import dev.steer4j.maze.MazeGenerator;
import dev.steer4j.maze.MazePolicy;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Options the maze subcommands share: the policy file, the steering site and the world size. */
final class MazeOptions {
    @Option(names = "--layer", paramLabel = "SITE", defaultValue = MazePolicy.DEFAULT_SITE,
            description = "Hook point of the cheese vector (default: ${DEFAULT-VALUE}; embedder.block2.res1 means the same)")
    String site;

    @Option(names = "--world", paramLabel = "W", defaultValue = "15",
            description = "World size: 15 = procgen easy mode (the default; what the usual checkpoint was trained on), 25 = hard mode")
    int world;

    void check() {
        if (world < 3 || world > 63 || world % 2 == 0) throw new IllegalArgumentException("--world " + world + " must be odd, 3-63");
    }

    static MazePolicy load(Path policy) {
        if (!Files.isRegularFile(policy)) throw new IllegalArgumentException("policy " + policy + ": file not found (the checkpoint is user-supplied; e.g. ../shared/models/maze/model_160022528.pth)");
        System.err.println("loading policy " + policy);
        ImpalaCnn net = CnnCheckpoint.loadImpala(policy);
        return new MazePolicy(net);
    }

    /** "A-B" or "N", inclusive. */
    static int[] seeds(String s) {
        String t = s.trim();
        try {
            int dash = t.indexOf('-', 1);
            int a = Integer.parseInt(dash < 0 ? t : t.substring(0, dash).trim());
            int b = dash < 0 ? a : Integer.parseInt(t.substring(dash + 1).trim());
            if (a < 0 || b < a) throw new IllegalArgumentException("--seeds " + s + ": need 0 <= A <= B");
            return new int[]{a, b};
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--seeds " + s + ": expected A-B or N (e.g. 0-199)");
        }
    }

    static MazeGenerator.Distribution distribution(String d) {
        return switch (d) {
            case "anywhere" -> MazeGenerator.Distribution.ANYWHERE;
            case "top-right" -> MazeGenerator.Distribution.TOP_RIGHT;
            default -> throw new IllegalArgumentException("--distribution " + d + ": expected anywhere (procgen maze) or top-right (maze_aisc, the training distribution)");
        };
    }
}
