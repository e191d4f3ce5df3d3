package dev.steer4j.maze;

/**
 * Renders a maze state the way procgen does: Qt 5's raster engine drawing each object with {@code drawImage} into a
 * 64×64 RGB32 image, nearest-neighbour scaling with Qt's 16.16 fixed-point sampling, and integer source-over
 * blending of premultiplied sprites (see {@code shared/data/maze/SPEC.md} §4). Pixel-exact to procgen's frames.
 */
public final class MazeRenderer {
    public static final int SIZE = 64;
    private final MazeAssets assets;

    public MazeRenderer() { this(MazeAssets.get()); }

    MazeRenderer(MazeAssets assets) { this.assets = assets; }

    /** The frame with the mouse at {@code mouse}, unmirrored, drawing the level's cheese if it has one. */
    public Observation render(MazeLevel level, Square mouse) { return render(level, mouse, false); }

    /** {@code mirrored}: the mouse's last horizontal action was RIGHT. */
    public Observation render(MazeLevel level, Square mouse, boolean mirrored) {
        int world = level.worldDim();
        float unit = (float) (SIZE / (float) world);
        float view = (float) (64.0 / unit);
        float off = unit * (world * 0.5f - view / 2);
        int[] img = new int[SIZE * SIZE]; // RGB, black
        draw(img, assets.background(level.backgroundIndex()), rect(0, world, world, world, 0, unit, view, off), false, false);
        for (int x = 0; x < world; x++)
            for (int y = 0; y < world; y++) {
                int v = level.at(x, y);
                MazeAssets.Sprite s = v == MazeLevel.WALL ? assets.wall : v == MazeLevel.CHEESE ? assets.cheese : null;
                if (s != null) draw(img, s, rect(x, y + 1, 1, 1, 0.02f, unit, view, off), true, false);
            }
        if (mouse != null) draw(img, assets.mouse, rect(mouse.x(), mouse.y() + 1, 1, 1, 0, unit, view, off), true, mirrored);
        byte[] rgb = new byte[SIZE * SIZE * 3];
        for (int i = 0; i < img.length; i++) {
            rgb[3 * i] = (byte) (img[i] >> 16);
            rgb[3 * i + 1] = (byte) (img[i] >> 8);
            rgb[3 * i + 2] = (byte) img[i];
        }
        return new Observation(SIZE, rgb);
    }

    /** procgen's world rectangle in float32, returned as (left, top, width, height) doubles. */
    private static double[] rect(int x, int y, int dx, int dy, float eps, float unit, float view, float off) {
        float l = (x - eps) * unit - off;
        float t = (view - y - eps) * unit + off;
        float w = (dx + 2 * eps) * unit;
        float h = (dy + 2 * eps) * unit;
        return new double[]{l, t, w, h};
    }

    private static int roundHalfUp(double v) { return (int) Math.floor(v + 0.5); }

    /** Qt 5's {@code qt_scale_image_32bit}: nearest-neighbour with 16.16 steps; blends when {@code blend}. */
    private static void draw(int[] img, MazeAssets.Sprite s, double[] r, boolean blend, boolean mirrored) {
        double l = r[0], t = r[1], w = r[2], h = r[3];
        long ix = (long) (65536.0 / (w / s.width()));
        long iy = (long) (65536.0 / (h / s.height()));
        int x0 = roundHalfUp(l), x1 = roundHalfUp(l + w);
        int y0 = roundHalfUp(t), y1 = roundHalfUp(t + h);
        x0 = Math.max(x0, 0);
        y0 = Math.max(y0, 0);
        x1 = Math.min(x1, SIZE);
        y1 = Math.min(y1, SIZE);
        if (x1 <= x0 || y1 <= y0) return;
        long bx = (long) Math.ceil((x0 + 0.5 - l) * ix) - 1;
        long by = (long) Math.ceil((y0 + 0.5 - t) * iy) - 1;
        int cols = x1 - x0, rows = y1 - y0;
        while (cols > 0 && ((bx + (cols - 1) * ix) >> 16) >= s.width()) cols--;
        while (rows > 0 && ((by + (rows - 1) * iy) >> 16) >= s.height()) rows--;
        for (int b = 0; b < rows; b++) {
            int sy = (int) ((by + b * iy) >> 16);
            if (sy < 0) continue;
            for (int a = 0; a < cols; a++) {
                int sx = (int) ((bx + a * ix) >> 16);
                if (sx < 0) continue;
                if (mirrored) sx = s.width() - 1 - sx;
                int src = s.argb()[sy * s.width() + sx];
                int di = (y0 + b) * SIZE + x0 + a;
                if (!blend) {
                    img[di] = src & 0xffffff;
                    continue;
                }
                int alpha = src >>> 24;
                if (alpha == 255) { img[di] = src & 0xffffff; continue; }
                int d = img[di], k = 255 - alpha;
                int rr = ((src >> 16) & 0xff) + MazeAssets.pm((d >> 16) & 0xff, k);
                int gg = ((src >> 8) & 0xff) + MazeAssets.pm((d >> 8) & 0xff, k);
                int bb = (src & 0xff) + MazeAssets.pm(d & 0xff, k);
                img[di] = Math.min(rr, 255) << 16 | Math.min(gg, 255) << 8 | Math.min(bb, 255);
            }
        }
    }
}
