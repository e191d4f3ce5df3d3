package dev.steer4j.read;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

class NpyTest {
    @TempDir Path dir;

    @Test
    void headerFollowsTheNpyFormatAndIsFixedUpOnClose() throws Exception {
        Path f = dir.resolve("a.npy");
        try (NpyWriter w = new NpyWriter(f, NpyWriter.DType.F4, 3)) {
            for (int r = 0; r < 1000; r++) w.append(new float[]{r, -r, r * 0.5f}, 0);
        }
        byte[] b = Files.readAllBytes(f);
        // magic \x93NUMPY, version 1.0, little-endian header length; data starts at a multiple of 64 (NEP 1)
        assertEquals((byte) 0x93, b[0]);
        assertEquals("NUMPY", new String(b, 1, 5, StandardCharsets.US_ASCII));
        assertEquals(1, b[6]);
        assertEquals(0, b[7]);
        int hlen = ByteBuffer.wrap(b, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertEquals(0, (10 + hlen) % 64);
        String header = new String(b, 10, hlen, StandardCharsets.US_ASCII);
        assertTrue(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 3), }"), header);
        assertTrue(header.endsWith("\n"));
        assertEquals(10 + hlen + 1000 * 3 * 4, b.length);
        ByteBuffer data = ByteBuffer.wrap(b, 10 + hlen, 12 * 1000).order(ByteOrder.LITTLE_ENDIAN);
        data.position(10 + hlen + 12 * 7);
        assertEquals(7f, data.getFloat());
        assertEquals(-7f, data.getFloat());
        assertEquals(3.5f, data.getFloat());

        try (NpyReader r = new NpyReader(f)) {
            assertArrayEquals(new long[]{1000, 3}, r.shape());
            assertArrayEquals(new float[]{999, -999, 499.5f}, r.row(999));
        }
    }

    @Test
    void oneDimensionalIntArrays() throws Exception {
        Path f = dir.resolve("t.npy");
        try (NpyWriter w = new NpyWriter(f, NpyWriter.DType.I4)) {
            w.append(5);
            w.append(-2);
        }
        String header = new String(Files.readAllBytes(f), 10, 118, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'shape': (2,)"), header);
        try (NpyReader r = new NpyReader(f)) {
            assertArrayEquals(new int[]{5, -2}, r.ints());
        }
    }

    @Test
    void truncatedFileIsReportedWithItsPath() throws Exception {
        Path f = dir.resolve("cut.npy");
        try (NpyWriter w = new NpyWriter(f, NpyWriter.DType.F4, 4)) {
            w.append(new float[4], 0);
            w.append(new float[4], 0);
        }
        byte[] b = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(b, b.length - 4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new NpyReader(f));
        assertEquals(f + ": file has " + (b.length - 4) + " bytes but shape [2, 4] needs " + b.length, e.getMessage());
    }
}
