package dev.steer4j.maze;

import dev.steer4j.read.Progress;
import dev.steer4j.steer.SteeringVector;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turner et al.'s cheese-vector experiment: for each seed with a decision square, P(cheese) and P(top-right) at that
 * square, unsteered and with {@code coefficient ×} that maze's own cheese vector added at the site.
 */
public final class CheeseVectorEval {
    public record Summary(int seedFirst, int seedLast, double coefficient, String site, int mazes, double medianPCheese,
                          double medianPCheeseSteered, double meanPCheese, double meanPCheeseSteered, double medianPTopRight,
                          double medianPTopRightSteered, double fractionPCheeseDecreased, List<DecisionSquareResult> perMaze) {}

    private CheeseVectorEval() {}

    /** The metric for one level, or null when it has no decision square. */
    public static DecisionSquareResult evaluate(MazePolicy policy, MazeLevel level, String site, double coefficient) {
        MazePaths.Decision d = MazePaths.decision(level);
        if (d == null) return null;
        double[] g = policy.groups(level, d.square());
        SteeringVector v = policy.cheeseVector(level, site);
        double[] s;
        try (var on = policy.steer(v, coefficient)) {
            s = policy.groups(level, d.square());
        }
        int c = d.towardCheese().ordinal(), t = d.towardTopRight().ordinal();
        return new DecisionSquareResult(level.seed(), level.mazeDim(), level.cheese(), d.square(), d.towardCheese(), d.towardTopRight(),
                g[c], s[c], g[t], s[t]);
    }

    public static Summary run(MazePolicy policy, int seedFirst, int seedLast, int worldDim, String site, double coefficient, Progress progress) {
        List<DecisionSquareResult> rs = new ArrayList<>();
        long total = seedLast - seedFirst + 1L;
        for (int seed = seedFirst; seed <= seedLast; seed++) {
            DecisionSquareResult r = evaluate(policy, MazeGenerator.generate(seed, worldDim, MazeGenerator.Distribution.ANYWHERE), site, coefficient);
            if (r != null) rs.add(r);
            progress.update(seed - seedFirst + 1L, total, "seed " + seed + " (" + rs.size() + " with a decision square)");
        }
        return summarise(seedFirst, seedLast, coefficient, site, rs);
    }

    public static Summary summarise(int first, int last, double coefficient, String site, List<DecisionSquareResult> rs) {
        double[] pc = rs.stream().mapToDouble(DecisionSquareResult::pCheese).toArray();
        double[] ps = rs.stream().mapToDouble(DecisionSquareResult::pCheeseSteered).toArray();
        double[] tc = rs.stream().mapToDouble(DecisionSquareResult::pTopRight).toArray();
        double[] ts = rs.stream().mapToDouble(DecisionSquareResult::pTopRightSteered).toArray();
        long fell = rs.stream().filter(r -> r.pCheeseSteered() < r.pCheese()).count();
        return new Summary(first, last, coefficient, site, rs.size(), median(pc), median(ps), mean(pc), mean(ps), median(tc), median(ts),
                rs.isEmpty() ? Double.NaN : (double) fell / rs.size(), List.copyOf(rs));
    }

    /** The median (mean of the two middle values for an even count), NaN for none. */
    public static double median(double[] v) {
        if (v.length == 0) return Double.NaN;
        double[] s = v.clone();
        Arrays.sort(s);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    public static double mean(double[] v) {
        return v.length == 0 ? Double.NaN : Arrays.stream(v).average().orElse(Double.NaN);
    }
}
