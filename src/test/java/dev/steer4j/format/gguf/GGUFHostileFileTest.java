package dev.steer4j.format.gguf;

import dev.steer4j.model.Model;
import dev.steer4j.model.ModelException;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Corrupt, truncated and hostile GGUF files, generated here from the bundled model, must fail with one
 * {@link GGUFFormatException} that names the file and the problem; never an OOM, never a deep stack trace.
 */
class GGUFHostileFileTest {
    @TempDir Path dir;

    private Path write(String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    private static byte[] model() throws IOException {
        return Files.readAllBytes(Fixtures.stories260K());
    }

    private GGUFFormatException fails(Path p) {
        GGUFFormatException e = assertThrows(GGUFFormatException.class, () -> GGUFFile.open(p).close());
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        return e;
    }

    @Test
    void badMagic() throws IOException {
        byte[] b = model();
        b[0] = 'X';
        GGUFFormatException e = fails(write("magic.gguf", b));
        assertTrue(e.getMessage().contains("bad magic"), e.getMessage());
        assertEquals(0, e.offset());
    }

    @Test
    void unsupportedVersion() throws IOException {
        byte[] b = model();
        b[4] = 9;
        assertTrue(fails(write("v9.gguf", b)).getMessage().contains("unsupported GGUF version 9 (supported: 2, 3)"));
    }

    @Test
    void truncatedAtManyOffsets() throws IOException {
        byte[] b = model();
        GGUFFile ok = GGUFFile.open(Fixtures.stories260K());
        long dataOffset = ok.dataOffset();
        ok.close();
        for (int len : new int[]{0, 3, 7, 15, 23, 40, 100, 1000, 5000, (int) dataOffset - 1, (int) dataOffset + 10, b.length - 1}) {
            GGUFFormatException e = fails(write("trunc" + len + ".gguf", Arrays.copyOf(b, len)));
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("past the end") || e.getMessage().contains("absurd"),
                    "length " + len + ": " + e.getMessage());
        }
    }

    @Test
    void absurdCounts() throws IOException {
        byte[] b = model();
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        bb.putLong(8, Long.MAX_VALUE / 2);
        assertTrue(fails(write("tensors.gguf", b)).getMessage().contains("absurd tensor_count"));
        b = model();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(16, 1L << 40);
        assertTrue(fails(write("kv.gguf", b)).getMessage().contains("absurd metadata_kv_count"));
        // The first key's string length.
        b = model();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(24, 1L << 50);
        GGUFFormatException e = fails(write("strlen.gguf", b));
        assertTrue(e.getMessage().contains("absurd string length"), e.getMessage());
        assertEquals(24, e.offset());
    }

    @Test
    void absurdArrayLength() throws IOException {
        Path p = dir.resolve("array.gguf");
        new GGUFWriter().put("x", GGUFValue.ofFloats(new float[]{1, 2, 3})).write(p);
        byte[] b = Files.readAllBytes(p);
        // header 24 + key (8 + 1) + type 4 + element type 4 = 41: the array length.
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(41, 1L << 60);
        GGUFFormatException e = fails(write("array-bad.gguf", b));
        assertTrue(e.getMessage().contains("metadata array 'x' has absurd length"), e.getMessage());
    }

    @Test
    void unknownTensorTypeTensorPastEndAndMisalignedOffset() throws IOException {
        long[] dims = {8, 2};
        float[] values = new float[16];
        Path p = dir.resolve("t.gguf");
        new GGUFWriter().putString("general.architecture", "llama").addF32("w", dims, values).write(p);
        byte[] good = Files.readAllBytes(p);
        // Locate the tensor info: name "w" (len 1) then n_dims, dims, type, offset.
        int at = indexOf(good, new byte[]{1, 0, 0, 0, 0, 0, 0, 0, 'w', 2, 0, 0, 0});
        assertTrue(at > 0);
        int typePos = at + 8 + 1 + 4 + 16;
        int offPos = typePos + 4;

        byte[] b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(typePos, 99);
        assertTrue(fails(write("type.gguf", b)).getMessage().contains("tensor 'w' has unknown ggml type 99"));

        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(offPos, 1 << 20);
        assertTrue(fails(write("past.gguf", b)).getMessage().contains("past the end of the file"));

        b = good.clone();
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(offPos, 4);
        assertTrue(fails(write("misaligned.gguf", b)).getMessage().contains("not a multiple of general.alignment = 32 (the default)"));
    }

    @Test
    void unknownArchitectureListsSupportedOnes() throws IOException {
        Path p = dir.resolve("arch.gguf");
        new GGUFWriter().putString("general.architecture", "gpt-neox").write(p);
        ModelException e = assertThrows(ModelException.class, () -> Model.load(p));
        assertTrue(e.getMessage().contains("general.architecture = 'gpt-neox' is not supported (supported: llama, qwen2, gpt2, gemma2, phi3, gemma3, qwen3)"), e.getMessage());
    }

    @Test
    void notAFileAndMissingFile() {
        assertTrue(fails(dir).getMessage().contains("is a directory"));
        assertTrue(fails(dir.resolve("nope.gguf")).getMessage().contains("file not found"));
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
