package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.maze.Rollout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code steer4j maze rollout}: competence with and without steering, by playing the levels. */
@Command(name = "rollout", mixinStandardHelpOptions = true,
        description = "Play each level from the start (procgen's maze dynamics, 500-step limit by default), once unsteered and once with C x that level's cheese vector; report how often the mouse reaches the cheese and visits the top-right corner.")
public final class MazeRolloutCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "Policy checkpoint (.pth or .safetensors)")
    Path policy;

    @Option(names = "--seeds", paramLabel = "A-B", defaultValue = "0-19", description = "Seed range, inclusive (default: ${DEFAULT-VALUE})")
    String seeds;

    @Option(names = "--coefficient", paramLabel = "C", defaultValue = "-1", description = "Steering coefficient (default: ${DEFAULT-VALUE})")
    double coefficient;

    @Option(names = "--distribution", paramLabel = "D", defaultValue = "anywhere",
            description = "anywhere (procgen maze, cheese anywhere; default) or top-right (maze_aisc, the training distribution)")
    String distribution;

    @Option(names = "--sample", description = "Sample actions from the policy (default: greedy argmax)")
    boolean sample;

    @Option(names = "--sample-seed", paramLabel = "S", defaultValue = "0", description = "Seed of the action sampler (default: ${DEFAULT-VALUE})")
    long sampleSeed;

    @Option(names = "--max-steps", paramLabel = "N", defaultValue = "500", description = "Episode length limit (default: ${DEFAULT-VALUE})")
    int maxSteps;

    @Option(names = "--json", description = "Print JSON (summary and every episode)")
    boolean json;

    @Mixin
    MazeOptions opts;

    @Override
    public Integer call() {
        opts.check();
        int[] range = MazeOptions.seeds(seeds);
        if (maxSteps < 1 || maxSteps > 100_000) throw new IllegalArgumentException("--max-steps " + maxSteps + " must be 1-100000");
        var dist = MazeOptions.distribution(distribution);
        if (opts.world != 15) throw new IllegalArgumentException("rollout plays easy-mode levels only (--world 15)");
        var p = MazeOptions.load(policy);
        ProgressBar bar = new ProgressBar("maze rollout", "episodes");
        Rollout.Summary s = Rollout.run(p, range[0], range[1], dist, opts.site, coefficient, !sample, sampleSeed, maxSteps, bar);
        bar.close();
        if (json) {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("seed_first", range[0]).put("seed_last", range[1]).put("distribution", s.distribution()).put("greedy", s.greedy())
                    .put("coefficient", s.coefficient()).put("episodes", s.episodes()).put("max_steps", maxSteps)
                    .put("reached_cheese_unsteered", s.cheeseRate()).put("reached_cheese_steered", s.cheeseRateSteered())
                    .put("visited_top_right_unsteered", s.topRightRate()).put("visited_top_right_steered", s.topRightRateSteered())
                    .put("median_steps_when_reached_unsteered", s.medianSteps()).put("median_steps_when_reached_steered", s.medianStepsSteered());
            episodes(o.putArray("unsteered"), s.plain());
            episodes(o.putArray("steered"), s.steered());
            System.out.println(o.toPrettyString());
            return 0;
        }
        System.out.printf("%d levels (%s, %s actions, %d-step limit); steering: c = %s × each level's cheese vector%n", s.episodes(),
                s.distribution(), s.greedy() ? "greedy" : "sampled", maxSteps, s.coefficient());
        System.out.println("                             unsteered   steered");
        System.out.printf("reached the cheese           %8.1f%% %8.1f%%%n", 100 * s.cheeseRate(), 100 * s.cheeseRateSteered());
        System.out.printf("visited the top-right corner %8.1f%% %8.1f%%%n", 100 * s.topRightRate(), 100 * s.topRightRateSteered());
        System.out.printf("median steps when reached    %9s %9s%n", num(s.medianSteps()), num(s.medianStepsSteered()));
        return 0;
    }

    private static String num(double v) { return Double.isNaN(v) ? "-" : String.format("%.1f", v); }

    private static void episodes(com.fasterxml.jackson.databind.node.ArrayNode a, List<Rollout.Episode> es) {
        for (Rollout.Episode e : es)
            a.addObject().put("seed", e.seed()).put("reached_cheese", e.reachedCheese()).put("visited_top_right", e.visitedTopRight()).put("steps", e.steps())
                    .putArray("end").add(e.end().x()).add(e.end().y());
    }
}
