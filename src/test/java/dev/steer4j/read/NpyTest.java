package dev.steer4j.read;

import dev.steer4j.testutil.Fixtures;
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

    /** Files written by NumPy 2.4.6's np.save (src/test/resources/npy/README.md has the script). */
    @Test
    void readsFilesWrittenByNumPy() {
        try (NpyReader r = new NpyReader(Fixtures.resource("npy/numpy_f4_3x4.npy"))) {
            assertEquals("<f4", r.dtype());
            assertArrayEquals(new long[]{3, 4}, r.shape());
            assertArrayEquals(new float[]{-1.375f, -1.125f, -0.875f, -0.625f}, r.row(0));
            assertArrayEquals(new float[]{0.625f, 0.875f, 1.125f, 1.375f}, r.row(2));
        }
        try (NpyReader r = new NpyReader(Fixtures.resource("npy/numpy_i4.npy"))) {
            assertArrayEquals(new int[]{7, -3, Integer.MAX_VALUE, Integer.MIN_VALUE}, r.ints());
        }
        Path f8 = Fixtures.resource("npy/numpy_f8.npy"), fortran = Fixtures.resource("npy/numpy_fortran.npy");
        assertEquals(f8 + ": dtype <f8 is not supported (only <f4 and <i4)", assertThrows(IllegalArgumentException.class, () -> new NpyReader(f8)).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new NpyReader(fortran));
    }

    /** What the writer produces for NumPy's array is NumPy's file, byte for byte. */
    @Test
    void writesWhatNumPyWrites() throws Exception {
        Path f = dir.resolve("i4.npy");
        try (NpyWriter w = new NpyWriter(f, NpyWriter.DType.I4)) {
            for (int v : new int[]{7, -3, Integer.MAX_VALUE, Integer.MIN_VALUE}) w.append(v);
        }
        assertArrayEquals(Files.readAllBytes(Fixtures.resource("npy/numpy_i4.npy")), Files.readAllBytes(f));
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
