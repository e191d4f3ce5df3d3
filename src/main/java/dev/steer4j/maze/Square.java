package dev.steer4j.maze;

/** A world square: x to the right, y upwards (y = 0 is the bottom row of the rendered image). */
public record Square(int x, int y) {
    public Square step(Move m) { return new Square(x + m.dx, y + m.dy); }

    public int manhattan(Square o) { return Math.abs(x - o.x) + Math.abs(y - o.y); }

    @Override
    public String toString() { return "(" + x + ", " + y + ")"; }
}
