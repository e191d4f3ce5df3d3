package dev.steer4j.maze;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * procgen's Maze images, bundled under {@code /steer4j/maze/} (Kenney CC0 sprites, a CC0 cheese and davis123's
 * CC-BY 3.0 backgrounds; see {@code ATTRIBUTION.md} there). Sprites are kept premultiplied, as Qt converts them on
 * load; backgrounds are opaque and kept as they are.
 */
public final class MazeAssets {
    static final String ROOT = "/steer4j/maze/";
    static final String WALL = "kenney/Ground/Sand/sandCenter.png";
    static final String MOUSE = "kenney/Enemies/mouse_move.png";
    static final String CHEESE = "misc_assets/cheese.png";

    /** Background file names by procgen's background index. */
    public static final String[] BACKGROUNDS = {
            "topdown_backgrounds/floortiles.png", "topdown_backgrounds/backgrounddetailed1.png",
            "topdown_backgrounds/backgrounddetailed2.png", "topdown_backgrounds/backgrounddetailed3.png",
            "topdown_backgrounds/backgrounddetailed4.png", "topdown_backgrounds/backgrounddetailed5.png",
            "topdown_backgrounds/backgrounddetailed6.png", "topdown_backgrounds/backgrounddetailed7.png",
            "topdown_backgrounds/backgrounddetailed8.png"};

    /** An image as premultiplied ARGB words (alpha in the top byte). */
    record Sprite(int width, int height, int[] argb) {}

    private static volatile MazeAssets instance;

    final Sprite wall, mouse, cheese;
    private final Sprite[] backgrounds = new Sprite[BACKGROUNDS.length];

    private MazeAssets() {
        wall = load(WALL, true);
        mouse = load(MOUSE, true);
        cheese = load(CHEESE, true);
    }

    public static MazeAssets get() {
        MazeAssets a = instance;
        if (a == null) {
            synchronized (MazeAssets.class) {
                if (instance == null) instance = new MazeAssets();
                a = instance;
            }
        }
        return a;
    }

    synchronized Sprite background(int index) {
        if (index < 0 || index >= BACKGROUNDS.length) throw new IllegalArgumentException("background index " + index + " is out of range 0-8");
        if (backgrounds[index] == null) backgrounds[index] = load(BACKGROUNDS[index], false);
        return backgrounds[index];
    }

    private static Sprite load(String name, boolean premultiply) {
        try (InputStream in = MazeAssets.class.getResourceAsStream(ROOT + name)) {
            if (in == null) throw new IllegalStateException("missing bundled maze asset " + ROOT + name);
            BufferedImage img = ImageIO.read(in);
            int w = img.getWidth(), h = img.getHeight();
            int[] px = img.getRGB(0, 0, w, h, null, 0, w); // non-premultiplied ARGB
            if (premultiply) {
                for (int i = 0; i < px.length; i++) {
                    int p = px[i], a = p >>> 24;
                    px[i] = a << 24 | pm((p >> 16) & 0xff, a) << 16 | pm((p >> 8) & 0xff, a) << 8 | pm(p & 0xff, a);
                }
            } else {
                for (int i = 0; i < px.length; i++) px[i] |= 0xff000000;
            }
            return new Sprite(w, h, px);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read bundled maze asset " + name, e);
        }
    }

    /** Qt's {@code qt_div_255(c * a)} rounding. */
    static int pm(int c, int a) {
        int t = c * a;
        return (t + (t >> 8) + 128) >> 8;
    }
}
