package dev.steer4j.maze;

import java.util.ArrayList;
import java.util.List;

/**
 * One generated level: a {@code worldDim²} grid of squares (index {@code y*W + x}, values {@link #WALL},
 * {@link #FREE}, {@link #CHEESE}), the maze of side {@code mazeDim} centred in it with {@code margin} squares of wall
 * around, the mouse start (bottom-left of the maze) and the background procgen picked.
 */
public record MazeLevel(int seed, int worldDim, int mazeDim, int margin, float bgPctX, int backgroundIndex,
                        int[] grid, Square cheese, long rngDraws) {
    public static final int WALL = 51, FREE = 100, CHEESE = 2;

    public Square mouseStart() { return new Square(margin, margin); }

    /** The maze's top-right corner. */
    public Square topRight() { return new Square(margin + mazeDim - 1, margin + mazeDim - 1); }

    public int at(Square s) { return at(s.x(), s.y()); }

    public int at(int x, int y) {
        if (x < 0 || y < 0 || x >= worldDim || y >= worldDim) return WALL;
        return grid[y * worldDim + x];
    }

    public boolean isFree(Square s) { return at(s) != WALL; }

    public boolean hasCheese() { return cheese != null; }

    /** The same level with the cheese square turned into a free square. */
    public MazeLevel withoutCheese() {
        if (cheese == null) return this;
        int[] g = grid.clone();
        g[cheese.y() * worldDim + cheese.x()] = FREE;
        return new MazeLevel(seed, worldDim, mazeDim, margin, bgPctX, backgroundIndex, g, null, rngDraws);
    }

    /** Every non-wall square, x-major then y. */
    public List<Square> freeSquares() {
        List<Square> out = new ArrayList<>();
        for (int x = 0; x < worldDim; x++)
            for (int y = 0; y < worldDim; y++) if (at(x, y) != WALL) out.add(new Square(x, y));
        return out;
    }

    /** {@code grid[y]} rows as the reference files write them: '#' wall, '.' free, 'C' cheese; row 0 = y 0. */
    public List<String> gridRows() {
        List<String> rows = new ArrayList<>();
        for (int y = 0; y < worldDim; y++) {
            StringBuilder sb = new StringBuilder();
            for (int x = 0; x < worldDim; x++) {
                int v = at(x, y);
                sb.append(v == WALL ? '#' : v == CHEESE ? 'C' : '.');
            }
            rows.add(sb.toString());
        }
        return rows;
    }

    /** The grid for people: top row first, M for the mouse at {@code mouse}. */
    public String asciiTopDown(Square mouse) {
        StringBuilder sb = new StringBuilder();
        List<String> rows = gridRows();
        for (int y = worldDim - 1; y >= 0; y--) {
            char[] r = rows.get(y).toCharArray();
            if (mouse != null && mouse.y() == y) r[mouse.x()] = 'M';
            sb.append(r).append('\n');
        }
        return sb.toString();
    }
}
