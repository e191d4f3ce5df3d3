package dev.steer4j.maze;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Shortest paths in a level (breadth-first over free squares; the maze is a tree, so each path is unique) and the
 * decision square: the last square the path to the cheese and the path to the top-right corner share
 * (procgen-tools {@code metrics.decision_square}).
 */
public final class MazePaths {
    private MazePaths() {}

    /** The squares from {@code from} to {@code to}, both included, or an empty list when {@code to} is unreachable. */
    public static List<Square> path(MazeLevel level, Square from, Square to) {
        int w = level.worldDim();
        int[] prev = new int[w * w];
        java.util.Arrays.fill(prev, -2);
        ArrayDeque<Square> q = new ArrayDeque<>();
        prev[from.y() * w + from.x()] = -1;
        q.add(from);
        while (!q.isEmpty()) {
            Square s = q.poll();
            if (s.equals(to)) break;
            for (Move m : new Move[]{Move.LEFT, Move.DOWN, Move.UP, Move.RIGHT}) {
                Square t = s.step(m);
                if (!level.isFree(t) || prev[t.y() * w + t.x()] != -2) continue;
                prev[t.y() * w + t.x()] = s.y() * w + s.x();
                q.add(t);
            }
        }
        if (!level.isFree(to) || prev[to.y() * w + to.x()] == -2) return List.of();
        List<Square> p = new ArrayList<>();
        for (int c = to.y() * w + to.x(); c != -1; c = prev[c]) p.add(new Square(c % w, c / w));
        Collections.reverse(p);
        return p;
    }

    /** Where the ways to the cheese and to the top-right corner part. */
    public record Decision(Square square, Move towardCheese, Move towardTopRight, List<Square> cheesePath, List<Square> topRightPath) {}

    /** The decision square of a level, or null when it has no cheese or one path is a prefix of the other. */
    public static Decision decision(MazeLevel level) {
        if (!level.hasCheese()) return null;
        List<Square> c = path(level, level.mouseStart(), level.cheese());
        List<Square> t = path(level, level.mouseStart(), level.topRight());
        int n = Math.min(c.size(), t.size());
        int i = 0;
        while (i < n && c.get(i).equals(t.get(i))) i++;
        if (i == n || i == 0) return null;
        Square ds = c.get(i - 1);
        return new Decision(ds, Move.between(ds, c.get(i)), Move.between(ds, t.get(i)), c, t);
    }
}
