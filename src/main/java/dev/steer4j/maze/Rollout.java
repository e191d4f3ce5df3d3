package dev.steer4j.maze;

import dev.steer4j.cnn.PolicyOutput;
import dev.steer4j.read.Progress;
import dev.steer4j.steer.SteeringVector;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Plays episodes with procgen's maze dynamics: an action moves the mouse one square unless the target is a wall
 * (outside the world counts as wall); entering the cheese square ends the episode; so does the step limit. The
 * sprite is mirrored after a rightward action and unmirrored after a leftward one, blocked or not.
 */
public final class Rollout {
    /** {@code end}: the mouse's square when the episode ended. */
    public record Episode(int seed, boolean reachedCheese, boolean visitedTopRight, int steps, Square end) {}

    public record Summary(int episodes, double coefficient, boolean greedy, String distribution,
                          double cheeseRate, double cheeseRateSteered, double topRightRate, double topRightRateSteered,
                          double medianSteps, double medianStepsSteered, List<Episode> plain, List<Episode> steered) {}

    private Rollout() {}

    /** One episode from the start square; {@code rng} samples actions unless {@code greedy}. */
    public static Episode play(MazePolicy policy, MazeLevel level, boolean greedy, Random rng, int maxSteps) {
        Square mouse = level.mouseStart();
        boolean mirrored = false, topRight = mouse.equals(level.topRight());
        for (int step = 1; step <= maxSteps; step++) {
            PolicyOutput out = policy.forward(policy.renderer().render(level, mouse, mirrored));
            int a = greedy ? out.argmax() : sample(out.probabilities(), rng);
            int dx = Move.dxOfAction(a);
            if (dx > 0) mirrored = true;
            else if (dx < 0) mirrored = false;
            Square next = mouse.step(Move.ofAction(a));
            if (level.isFree(next)) mouse = next;
            if (mouse.equals(level.topRight())) topRight = true;
            if (level.hasCheese() && mouse.equals(level.cheese())) return new Episode(level.seed(), true, topRight, step, mouse);
        }
        return new Episode(level.seed(), false, topRight, maxSteps, mouse);
    }

    private static int sample(double[] p, Random rng) {
        double u = rng.nextDouble(), c = 0;
        for (int i = 0; i < p.length; i++) {
            c += p[i];
            if (u < c) return i;
        }
        return p.length - 1;
    }

    /** Every seed in [first, last] once unsteered and once with its own cheese vector at {@code coefficient}. */
    public static Summary run(MazePolicy policy, int first, int last, MazeGenerator.Distribution dist, String site, double coefficient,
                              boolean greedy, long sampleSeed, int maxSteps, Progress progress) {
        List<Episode> plain = new ArrayList<>(), steered = new ArrayList<>();
        long total = 2L * (last - first + 1);
        long done = 0;
        for (int seed = first; seed <= last; seed++) {
            MazeLevel level = MazeGenerator.generate(seed, MazeGenerator.EASY_WORLD, dist);
            if (!level.hasCheese()) { done += 2; continue; }
            plain.add(play(policy, level, greedy, new Random(sampleSeed + seed), maxSteps));
            progress.update(++done, total, "seed " + seed + " unsteered");
            SteeringVector v = policy.cheeseVector(level, site);
            try (var on = policy.steer(v, coefficient)) {
                steered.add(play(policy, level, greedy, new Random(sampleSeed + seed), maxSteps));
            }
            progress.update(++done, total, "seed " + seed + " steered");
        }
        return new Summary(plain.size(), coefficient, greedy, dist.name().toLowerCase().replace('_', '-'),
                rate(plain, true), rate(steered, true), rate(plain, false), rate(steered, false),
                medianSteps(plain), medianSteps(steered), plain, steered);
    }

    private static double rate(List<Episode> es, boolean cheese) {
        if (es.isEmpty()) return Double.NaN;
        return (double) es.stream().filter(e -> cheese ? e.reachedCheese() : e.visitedTopRight()).count() / es.size();
    }

    /** Median steps of the episodes that reached the cheese. */
    private static double medianSteps(List<Episode> es) {
        return CheeseVectorEval.median(es.stream().filter(Episode::reachedCheese).mapToDouble(Episode::steps).toArray());
    }
}
