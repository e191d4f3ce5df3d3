package dev.steer4j.maze;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * Draws vector fields over the maze: the 64×64 frame (without the mouse) enlarged with nearest-neighbour
 * sampling, one arrow per free square, the decision square outlined. Several fields go side by side with titles.
 */
public final class VectorFieldPlot {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final int SCALE = 8, PANEL = MazeRenderer.SIZE * SCALE, TITLE = 28;

    private VectorFieldPlot() {}

    /** One panel per field; {@code titles} label them; {@code highlight} (may be null) is outlined in every panel. */
    public static BufferedImage draw(List<VectorField> fields, List<String> titles, Square highlight) {
        BufferedImage img = new BufferedImage(PANEL * fields.size() + 10 * (fields.size() - 1), PANEL + TITLE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        for (int f = 0; f < fields.size(); f++) {
            int ox = f * (PANEL + 10);
            VectorField vf = fields.get(f);
            g.setColor(Color.BLACK);
            g.setFont(new Font("SansSerif", Font.BOLD, 15));
            g.drawString(titles.get(f), ox + 4, 19);
            BufferedImage frame = new MazeRenderer().render(vf.level(), null).toImage();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR);
            g.drawImage(frame, ox, TITLE, PANEL, PANEL, null);
            double unit = PANEL / (double) vf.level().worldDim();
            if (highlight != null) {
                g.setColor(new Color(0xE69F00));
                g.setStroke(new BasicStroke(3f));
                g.drawRect((int) (ox + highlight.x() * unit), (int) (TITLE + (vf.level().worldDim() - 1 - highlight.y()) * unit), (int) unit, (int) unit);
            }
            g.setStroke(new BasicStroke(2f));
            for (int i = 0; i < vf.squares().size(); i++) {
                Square s = vf.squares().get(i);
                double[] a = vf.arrow(i);
                double cx = ox + (s.x() + 0.5) * unit, cy = TITLE + (vf.level().worldDim() - 0.5 - s.y()) * unit;
                arrow(g, cx, cy, a[0] * unit * 0.9, -a[1] * unit * 0.9);
            }
        }
        g.dispose();
        return img;
    }

    private static void arrow(Graphics2D g, double x, double y, double dx, double dy) {
        double len = Math.hypot(dx, dy);
        g.setColor(Color.WHITE);
        if (len < 2) {
            g.fillOval((int) (x - 2), (int) (y - 2), 4, 4);
            return;
        }
        double ex = x + dx, ey = y + dy, ux = dx / len, uy = dy / len, h = Math.min(8, len * 0.5);
        g.draw(new java.awt.geom.Line2D.Double(x, y, ex, ey));
        Path2D head = new Path2D.Double();
        head.moveTo(ex, ey);
        head.lineTo(ex - h * ux + h * 0.5 * uy, ey - h * uy - h * 0.5 * ux);
        head.lineTo(ex - h * ux - h * 0.5 * uy, ey - h * uy + h * 0.5 * ux);
        head.closePath();
        g.fill(head);
    }

    public static byte[] png(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
