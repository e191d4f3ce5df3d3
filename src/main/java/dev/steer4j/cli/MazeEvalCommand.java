package dev.steer4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.maze.CheeseVectorEval;
import dev.steer4j.maze.DecisionSquareResult;
import dev.steer4j.maze.MazePolicy;
import dev.steer4j.maze.MazeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code steer4j maze eval}: P(cheese) and P(top-right) at the decision square, unsteered and steered, over seeds. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Turner et al.'s cheese-vector experiment: for every seed with a decision square, P(cheese) and P(top-right) there, unsteered and with C x that maze's own cheese vector added at the site on every pass. Prints medians and means.")
public final class MazeEvalCommand implements Callable<Integer> {
    @Option(names = "--policy", required = true, paramLabel = "FILE", description = "Policy checkpoint (.pth or .safetensors)")
    Path policy;

    @Option(names = "--seeds", required = true, paramLabel = "A-B", description = "Seed range, inclusive (e.g. 0-199)")
    String seeds;

    @Option(names = "--coefficient", paramLabel = "C", defaultValue = "-1", description = "Steering coefficient (default: ${DEFAULT-VALUE}, subtract the vector)")
    double coefficient;

    @Option(names = "--json", description = "Print JSON (summary and every maze)")
    boolean json;

    @Option(names = "--report", paramLabel = "DIR", description = "Write an HTML report (DIR/index.html) with vector fields before and after")
    Path report;

    @Option(names = "--fields", paramLabel = "K", defaultValue = "6", description = "Vector-field plots in the report (default: ${DEFAULT-VALUE})")
    int fields;

    @Mixin
    MazeOptions opts;

    @Override
    public Integer call() {
        opts.check();
        int[] range = MazeOptions.seeds(seeds);
        if (!Double.isFinite(coefficient)) throw new IllegalArgumentException("--coefficient " + coefficient + " is not a finite number");
        MazePolicy p = MazeOptions.load(policy);
        p.network().hookPoint(opts.site);
        ProgressBar bar = new ProgressBar("maze eval", "seeds");
        CheeseVectorEval.Summary s = CheeseVectorEval.run(p, range[0], range[1], opts.world, opts.site, coefficient, bar);
        bar.close();
        if (report != null) {
            ProgressBar rb = new ProgressBar("report");
            Path f = MazeReport.write(report, policy.getFileName().toString(), p, s, fields, rb);
            rb.close();
            System.err.println("wrote " + f);
        }
        if (json) {
            ObjectMapper m = new ObjectMapper();
            ObjectNode o = m.createObjectNode();
            o.put("seed_first", s.seedFirst()).put("seed_last", s.seedLast()).put("coefficient", s.coefficient()).put("site", s.site())
                    .put("mazes_with_decision_square", s.mazes())
                    .put("median_p_cheese_unsteered", s.medianPCheese()).put("median_p_cheese_steered", s.medianPCheeseSteered())
                    .put("mean_p_cheese_unsteered", s.meanPCheese()).put("mean_p_cheese_steered", s.meanPCheeseSteered())
                    .put("median_p_top_right_unsteered", s.medianPTopRight()).put("median_p_top_right_steered", s.medianPTopRightSteered())
                    .put("fraction_p_cheese_decreased", s.fractionPCheeseDecreased());
            var arr = o.putArray("per_maze");
            for (DecisionSquareResult r : s.perMaze()) {
                ObjectNode x = arr.addObject();
                x.put("seed", r.seed()).put("maze_dim", r.mazeDim());
                x.putArray("cheese").add(r.cheese().x()).add(r.cheese().y());
                x.putArray("decision_square").add(r.decisionSquare().x()).add(r.decisionSquare().y());
                x.put("cheese_dir", r.cheeseDir().name()).put("top_right_dir", r.topRightDir().name())
                        .put("p_cheese", r.pCheese()).put("p_cheese_steered", r.pCheeseSteered())
                        .put("p_top_right", r.pTopRight()).put("p_top_right_steered", r.pTopRightSteered());
            }
            System.out.println(o.toPrettyString());
            return 0;
        }
        System.out.printf("seeds %d-%d: %d mazes with a decision square; coefficient %s at %s%n", s.seedFirst(), s.seedLast(), s.mazes(),
                fmt(s.coefficient()), s.site());
        System.out.println("                      unsteered   steered");
        System.out.printf("median P(cheese)      %9.4f %9.4f%n", s.medianPCheese(), s.medianPCheeseSteered());
        System.out.printf("mean P(cheese)        %9.4f %9.4f%n", s.meanPCheese(), s.meanPCheeseSteered());
        System.out.printf("median P(top-right)   %9.4f %9.4f%n", s.medianPTopRight(), s.medianPTopRightSteered());
        System.out.printf("P(cheese) fell in %.1f%% of mazes%n", 100 * s.fractionPCheeseDecreased());
        return 0;
    }

    private static String fmt(double c) { return c == Math.rint(c) ? String.valueOf((long) c) : String.valueOf(c); }
}
