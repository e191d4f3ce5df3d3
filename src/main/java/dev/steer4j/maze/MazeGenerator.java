package dev.steer4j.maze;

import java.util.ArrayList;
import java.util.List;

/**
 * procgen's Maze level generator, draw for draw: a fresh {@code std::mt19937} seeded with the level seed, a
 * background, a maze size, randomised Kruskal over the maze lattice, then the cheese (see
 * {@code shared/data/maze/SPEC.md} §3). {@link Distribution#ANYWHERE} is procgen's {@code maze} (the test
 * distribution); {@link Distribution#TOP_RIGHT} is procgenAISC's {@code maze_aisc} with {@code rand_region = 5},
 * the training distribution, where the cheese sits in the maze's top-right 5×5 region.
 */
public final class MazeGenerator {
    /** Easy mode's world, the one the checkpoint was trained in. */
    public static final int EASY_WORLD = 15;
    /** Hard mode's world (procgen's own frames in the reference are hard mode). */
    public static final int HARD_WORLD = 25;
    public static final int BACKGROUNDS = 9;

    public enum Distribution { ANYWHERE, TOP_RIGHT }

    private MazeGenerator() {}

    public static MazeLevel generate(int seed) { return generate(seed, EASY_WORLD, Distribution.ANYWHERE); }

    public static MazeLevel generate(int seed, int worldDim, Distribution dist) {
        return generate(new Mt19937(seed), seed, worldDim, dist);
    }

    /** Generates from {@code rng} (left in procgen's state after {@code game_reset}). */
    public static MazeLevel generate(Mt19937 rng, int seed, int worldDim, Distribution dist) {
        if (worldDim < 3 || worldDim % 2 == 0) throw new IllegalArgumentException("world size " + worldDim + " must be odd and at least 3");
        long before = rng.draws();
        float bgPct = rng.rand01();
        int bg = rng.randn(BACKGROUNDS);
        int n = 2 * rng.randn((worldDim - 1) / 2) + 3;
        if (n > worldDim) n = worldDim; // cannot happen with procgen's formula; kept as a guard
        int margin = (worldDim - n) / 2;

        boolean[] open = new boolean[n * n];
        List<Integer> freeCells = new ArrayList<>();
        int[] comp = new int[n * n];
        for (int c = 0; c < comp.length; c++) comp[c] = c;
        List<int[]> walls = new ArrayList<>(); // {passage cell, room a, room b} as cell numbers n*j + i
        for (int i = 1; i < n - 1; i += 2)
            for (int j = 0; j < n; j += 2) walls.add(new int[]{n * j + i, n * j + i - 1, n * j + i + 1});
        for (int i = 0; i < n; i += 2)
            for (int j = 1; j < n - 1; j += 2) walls.add(new int[]{n * j + i, n * (j - 1) + i, n * (j + 1) + i});
        while (!walls.isEmpty()) {
            int k = rng.randn(walls.size());
            int[] w = walls.remove(k);
            int ca = find(comp, w[1]), cb = find(comp, w[2]);
            if (ca != cb) {
                openCell(open, freeCells, w[1]);
                openCell(open, freeCells, w[0]);
                openCell(open, freeCells, w[2]);
                comp[ca] = cb;
            }
        }
        if (freeCells.isEmpty()) openCell(open, freeCells, 0);

        int cheeseCell = -1;
        if (dist == Distribution.ANYWHERE) {
            if (freeCells.size() > 1) {
                do cheeseCell = freeCells.get(rng.randn(freeCells.size())); while (cheeseCell == 0);
            }
        } else {
            int r = Math.min(5, n);
            rng.randn(freeCells.size());
            for (int t = 0; t < 100 * n; t++) {
                int c = freeCells.get(rng.randn(freeCells.size()));
                if (c != 0 && c % n >= n - r && c / n >= n - r) {
                    cheeseCell = c;
                    break;
                }
            }
        }

        int[] grid = new int[worldDim * worldDim];
        java.util.Arrays.fill(grid, MazeLevel.WALL);
        for (int c = 0; c < n * n; c++) {
            if (!open[c]) continue;
            int x = margin + c % n, y = margin + c / n;
            grid[y * worldDim + x] = MazeLevel.FREE;
        }
        Square cheese = null;
        if (cheeseCell >= 0) {
            cheese = new Square(margin + cheeseCell % n, margin + cheeseCell / n);
            grid[cheese.y() * worldDim + cheese.x()] = MazeLevel.CHEESE;
        }
        return new MazeLevel(seed, worldDim, n, margin, bgPct, bg, grid, cheese, rng.draws() - before);
    }

    private static int find(int[] comp, int c) {
        while (comp[c] != c) {
            comp[c] = comp[comp[c]];
            c = comp[c];
        }
        return c;
    }

    private static void openCell(boolean[] open, List<Integer> free, int c) {
        if (!open[c]) {
            open[c] = true;
            free.add(c);
        }
    }
}
