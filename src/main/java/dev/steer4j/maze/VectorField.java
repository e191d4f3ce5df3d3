package dev.steer4j.maze;

import dev.steer4j.steer.SteeringVector;

import java.util.ArrayList;
import java.util.List;

/**
 * The policy's movement-group probabilities with the mouse on every free square of a level (cheese drawn), the
 * "vector field" of the maze posts: each square's arrow is {@code (P(RIGHT) − P(LEFT), P(UP) − P(DOWN))}.
 */
public record VectorField(MazeLevel level, List<Square> squares, List<double[]> groups) {
    public static VectorField of(MazePolicy policy, MazeLevel level) {
        List<Square> sq = new ArrayList<>();
        List<double[]> g = new ArrayList<>();
        for (Square s : level.freeSquares()) {
            if (s.equals(level.cheese())) continue;
            sq.add(s);
            g.add(policy.groups(level, s));
        }
        return new VectorField(level, List.copyOf(sq), List.copyOf(g));
    }

    /** The field with {@code coefficient × v} added on every pass. */
    public static VectorField steered(MazePolicy policy, MazeLevel level, SteeringVector v, double coefficient) {
        try (var on = policy.steer(v, coefficient)) {
            return of(policy, level);
        }
    }

    public double[] arrow(int i) {
        double[] p = groups.get(i);
        return new double[]{p[Move.RIGHT.ordinal()] - p[Move.LEFT.ordinal()], p[Move.UP.ordinal()] - p[Move.DOWN.ordinal()]};
    }
}
