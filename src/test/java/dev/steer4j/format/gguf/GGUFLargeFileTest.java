package dev.steer4j.format.gguf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Files over 2 GB map and read correctly: a sparse file (no disk space used) whose one tensor spans 3.3 GB, with a
 * value written at its very end.
 */
class GGUFLargeFileTest {
    @TempDir Path dir;

    @Test
    void tensorPast2GBIsReadInPlace() throws Exception {
        long cols = 4096, rows = 200_000; // 819,200,000 floats = 3.28 GB
        Path small = dir.resolve("header.gguf");
        // Write the header with a tiny placeholder tensor, then patch its dims and grow the file sparsely.
        new GGUFWriter().putString("general.architecture", "llama").addF32("big", new long[]{cols, 1}, new float[(int) cols]).write(small);
        byte[] b = Files.readAllBytes(small);
        int at = indexOf(b, "big".getBytes());
        // name (8+3) then n_dims (4) then dims[0] (8) then dims[1] (8)
        java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(at + 3 + 4 + 8, rows);
        Path big = dir.resolve("big.gguf");
        Files.write(big, b);
        long dataOffset;
        try (GGUFFile f = GGUFFile.open(small)) { dataOffset = f.dataOffset(); }
        long total = dataOffset + cols * rows * 4;
        assertTrue(total > (1L << 31) + (1L << 29));
        try (RandomAccessFile raf = new RandomAccessFile(big.toFile(), "rw")) {
            raf.setLength(total);
            raf.seek(total - 4);
            raf.write(new byte[]{0, 0, (byte) 0x80, 0x3f}); // 1.0f little-endian
        }
        try (GGUFFile f = GGUFFile.open(big)) {
            GGUFTensorInfo t = f.requireTensor("big");
            assertEquals(rows, t.rows());
            assertEquals(cols * rows * 4, t.data().byteSize());
            assertEquals(1.0f, t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), t.data().byteSize() - 4));
            assertEquals(0f, t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), (1L << 31) + 8));
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }
}
