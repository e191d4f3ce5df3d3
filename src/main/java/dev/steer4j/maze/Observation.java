package dev.steer4j.maze;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** A rendered frame: {@code size × size} RGB pixels, row 0 at the top, stored HWC as bytes. */
public record Observation(int size, byte[] rgb) {
    public Observation {
        if (rgb.length != size * size * 3) throw new IllegalArgumentException("an observation of " + size + "x" + size + " needs " + size * size * 3 + " bytes, got " + rgb.length);
    }

    /** The network input: CHW floats, {@code pixel / 255}. */
    public float[] toChw() {
        int plane = size * size;
        float[] x = new float[3 * plane];
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < 3; c++) x[c * plane + i] = (rgb[3 * i + c] & 0xff) / 255f;
        return x;
    }

    /** SHA-256 of the raw HWC RGB bytes (the reference files' {@code sha256_rgb_hwc}). */
    public String sha256() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(rgb));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public BufferedImage toImage() {
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) {
                int i = 3 * (y * size + x);
                img.setRGB(x, y, (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | (rgb[i + 2] & 0xff));
            }
        return img;
    }

    /** A square RGB(A) image, alpha dropped. */
    public static Observation fromImage(BufferedImage img) {
        if (img.getWidth() != img.getHeight()) throw new IllegalArgumentException("observation image is " + img.getWidth() + "x" + img.getHeight() + ", not square");
        int s = img.getWidth();
        byte[] rgb = new byte[s * s * 3];
        for (int y = 0; y < s; y++)
            for (int x = 0; x < s; x++) {
                int p = img.getRGB(x, y), i = 3 * (y * s + x);
                rgb[i] = (byte) (p >> 16);
                rgb[i + 1] = (byte) (p >> 8);
                rgb[i + 2] = (byte) p;
            }
        return new Observation(s, rgb);
    }

    public static Observation readPng(Path png) {
        try {
            BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
            if (img == null) throw new IllegalArgumentException(png + ": not an image ImageIO can read");
            return fromImage(img);
        } catch (IOException e) {
            throw new UncheckedIOException(png + ": " + e.getMessage(), e);
        }
    }
}
