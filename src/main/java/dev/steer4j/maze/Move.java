package dev.steer4j.maze;

/**
 * The five movement groups of procgen's 15 actions: LEFT = {0,1,2}, DOWN = {3}, UP = {5}, RIGHT = {6,7,8},
 * NOOP = {4, 9..14}. For an action {@code a < 9}, {@code dx = a/3 - 1}, {@code dy = a%3 - 1}, and maze zeroes
 * {@code dy} when {@code dx != 0}.
 */
public enum Move {
    LEFT(-1, 0), DOWN(0, -1), UP(0, 1), RIGHT(1, 0), NOOP(0, 0);

    public final int dx, dy;

    Move(int dx, int dy) {
        this.dx = dx;
        this.dy = dy;
    }

    public static final int ACTIONS = 15;

    /** The movement group of procgen action {@code a}. */
    public static Move ofAction(int a) {
        if (a < 0 || a >= ACTIONS) throw new IllegalArgumentException("action " + a + " is out of range 0-14");
        if (a >= 9) return NOOP;
        int dx = a / 3 - 1, dy = a % 3 - 1;
        if (dx < 0) return LEFT;
        if (dx > 0) return RIGHT;
        return dy < 0 ? DOWN : dy > 0 ? UP : NOOP;
    }

    /** The horizontal component procgen sees for action {@code a} (it sets the sprite's mirroring). */
    public static int dxOfAction(int a) { return a < 9 ? a / 3 - 1 : 0; }

    /** The move from {@code a} to the adjacent square {@code b}. */
    public static Move between(Square a, Square b) {
        for (Move m : values()) if (m != NOOP && a.step(m).equals(b)) return m;
        throw new IllegalArgumentException(a + " and " + b + " are not adjacent");
    }

    /** Sums action probabilities into the five groups, indexed by {@link #ordinal()}. */
    public static double[] groupProbabilities(double[] actionProbs) {
        double[] g = new double[values().length];
        for (int a = 0; a < actionProbs.length; a++) g[ofAction(a).ordinal()] += actionProbs[a];
        return g;
    }
}
