package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.maze.MazeGenerator;
import dev.steer4j.maze.MazeLevel;
import dev.steer4j.maze.MazePaths;
import dev.steer4j.maze.MazePolicy;
import dev.steer4j.maze.MazeRenderer;
import dev.steer4j.maze.Move;
import dev.steer4j.maze.Observation;
import dev.steer4j.maze.VectorField;
import dev.steer4j.maze.VectorFieldPlot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j maze show}: one level as text and as a picture, with the policy's vector field when given one. */
@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Generate a level (procgen's generator and RNG), print it, and optionally draw it. With --policy the picture is the policy's vector field (arrow = P(right)-P(left), P(up)-P(down) with the mouse on each square); with --coefficient as well, the steered field beside it.")
public final class MazeShowCommand implements Callable<Integer> {
    @Option(names = "--seed", required = true, paramLabel = "N", description = "Level seed")
    int seed;

    @Option(names = "--policy", paramLabel = "FILE", description = "Policy checkpoint (.pth or .safetensors)")
    Path policy;

    @Option(names = "--coefficient", paramLabel = "C", description = "Also draw the field steered with C × this maze's cheese vector (needs --policy)")
    Double coefficient;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.png", description = "Write the picture as PNG")
    Path out;

    @Option(names = "--frame", description = "Write the raw 64x64 observation (mouse at the start) instead of the enlarged picture")
    boolean frame;

    @Option(names = "--json", description = "Print JSON")
    boolean json;

    @Mixin
    MazeOptions opts;

    @Override
    public Integer call() throws IOException {
        opts.check();
        if (coefficient != null && policy == null) throw new IllegalArgumentException("--coefficient needs --policy");
        MazeLevel level = MazeGenerator.generate(seed, opts.world, MazeGenerator.Distribution.ANYWHERE);
        MazePaths.Decision d = MazePaths.decision(level);
        MazePolicy p = policy == null ? null : MazeOptions.load(policy);
        double[] groups = null, steeredGroups = null;
        VectorField plain = null, steered = null;
        if (p != null && d != null) groups = p.groups(level, d.square());
        if (p != null && out != null && !frame) {
            ProgressBar bar = new ProgressBar("vector field");
            bar.update(0, coefficient == null ? 1 : 2, "unsteered");
            plain = VectorField.of(p, level);
            bar.update(1, coefficient == null ? 1 : 2, "steered");
            if (coefficient != null) {
                steered = VectorField.steered(p, level, p.cheeseVector(level, opts.site), coefficient);
                bar.update(2, 2, "done");
            }
            bar.close();
        }
        if (p != null && d != null && coefficient != null) {
            try (var on = p.steer(p.cheeseVector(level, opts.site), coefficient)) {
                steeredGroups = p.groups(level, d.square());
            }
        }
        if (out != null) {
            BufferedImage img;
            if (frame) img = new MazeRenderer().render(level, level.mouseStart()).toImage();
            else if (plain != null) {
                List<VectorField> fs = new ArrayList<>(List.of(plain));
                List<String> ts = new ArrayList<>(List.of("seed " + seed + ": unsteered"));
                if (steered != null) { fs.add(steered); ts.add("steered, c = " + coefficient); }
                img = VectorFieldPlot.draw(fs, ts, d == null ? null : d.square());
            } else img = enlarge(new MazeRenderer().render(level, level.mouseStart()));
            if (!ImageIO.write(img, "png", out.toFile())) throw new UncheckedIOException(new IOException("cannot write PNG " + out));
            System.err.println("wrote " + out);
        }
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("seed", seed).put("world_dim", level.worldDim()).put("maze_dim", level.mazeDim()).put("margin", level.margin())
                    .put("background_index", level.backgroundIndex()).put("rng_draws", level.rngDraws());
            var g = o.putArray("grid");
            level.gridRows().forEach(g::add);
            o.set("mouse_start", square(o, level.mouseStart()));
            if (level.hasCheese()) o.set("cheese", square(o, level.cheese()));
            o.set("top_right", square(o, level.topRight()));
            if (d != null) {
                o.set("decision_square", square(o, d.square()));
                o.put("cheese_dir", d.towardCheese().name()).put("top_right_dir", d.towardTopRight().name());
            }
            o.put("observation_sha256", new MazeRenderer().render(level, level.mouseStart()).sha256());
            if (groups != null) o.set("group_probs", groupsJson(o, groups));
            if (steeredGroups != null) o.set("group_probs_steered", groupsJson(o, steeredGroups));
            System.out.println(o.toPrettyString());
            return 0;
        }
        System.out.printf("seed %d: %dx%d maze in a %dx%d world, background %d%n", seed, level.mazeDim(), level.mazeDim(), level.worldDim(), level.worldDim(), level.backgroundIndex());
        System.out.print(level.asciiTopDown(level.mouseStart()));
        System.out.println("mouse " + level.mouseStart() + ", cheese " + level.cheese() + ", top-right " + level.topRight());
        if (d == null) System.out.println("no decision square (one path is a prefix of the other)");
        else System.out.println("decision square " + d.square() + ": cheese is " + d.towardCheese() + ", top-right is " + d.towardTopRight());
        if (groups != null) System.out.println("policy at the decision square: " + groupsText(groups));
        if (steeredGroups != null) System.out.println("steered (c = " + coefficient + "):            " + groupsText(steeredGroups));
        return 0;
    }

    private static BufferedImage enlarge(Observation o) {
        BufferedImage src = o.toImage(), img = new BufferedImage(512, 512, BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.drawImage(src, 0, 0, 512, 512, null);
        g.dispose();
        return img;
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode square(ObjectNode o, dev.steer4j.maze.Square s) {
        return o.arrayNode().add(s.x()).add(s.y());
    }

    private static ObjectNode groupsJson(ObjectNode o, double[] g) {
        ObjectNode n = o.objectNode();
        for (Move m : Move.values()) n.put(m.name(), g[m.ordinal()]);
        return n;
    }

    static String groupsText(double[] g) {
        StringBuilder sb = new StringBuilder();
        for (Move m : Move.values()) sb.append(String.format("%s %.4f  ", m.name(), g[m.ordinal()]));
        return sb.toString().trim();
    }
}
