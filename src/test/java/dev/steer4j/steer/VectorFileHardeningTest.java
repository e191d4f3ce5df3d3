package dev.steer4j.steer;

import dev.steer4j.format.gguf.GGUFWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Hostile vector files found by the audit: colliding layer names, deep JSON, invalid UTF-8, overflowing dims. */
class VectorFileHardeningTest {
    @TempDir Path dir;

    private static String fails(Path p) {
        VectorFileException e = assertThrows(VectorFileException.class, () -> VectorFiles.read(p));
        return e.getMessage();
    }

    @Test
    void directionOneAndDirectionZeroOneCollide() throws IOException {
        Path p = dir.resolve("collide.gguf");
        new GGUFWriter().putString("general.architecture", "controlvector")
                .addF32("direction.1", new long[]{4}, new float[]{1, 0, 0, 0})
                .addF32("direction.01", new long[]{4}, new float[]{0, 1, 0, 0}).write(p);
        assertEquals("vector file " + p + ": tensors direction.1 and direction.01 both name layer 1", fails(p));
    }

    @Test
    void jsonKeysThatNameTheSameLayerCollide() throws IOException {
        Path p = dir.resolve("collide.json");
        Files.writeString(p, "{\"directions\": {\"1\": [1, 0], \"01\": [0, 1]}}");
        assertEquals("vector file " + p + ": directions key '01' should be written 1 (keys like 01 or +1 could collide with another key for the same layer)", fails(p));
        Files.writeString(p, "{\"directions\": {\"1\": [1, 0], \"1\": [0, 1]}}");
        String m = fails(p);
        assertTrue(m.startsWith("vector file " + p + " is not valid JSON: line 1: Duplicate field '1'"), m);
    }

    @Test
    void deeplyNestedJsonIsAClearErrorNotANullPointer() throws IOException {
        Path p = dir.resolve("deep.json");
        Files.writeString(p, "{\"directions\": " + "[".repeat(10_000) + "]".repeat(10_000) + "}");
        String m = fails(p);
        assertTrue(m.startsWith("vector file " + p + " is not valid JSON: "), m);
        assertTrue(m.contains("nesting depth"), m);
        assertFalse(m.contains("NullPointer") || m.contains("null"), m);
    }

    @Test
    void invalidUtf8IsNamed() throws IOException {
        Path p = dir.resolve("bad.json");
        Files.write(p, new byte[]{'{', (byte) 0xff, (byte) 0xfe, '}'});
        assertEquals("vector file " + p + " is not valid UTF-8 text", fails(p));
    }

    @Test
    void overflowingDimsNameTheFileAndTheTensor() throws IOException {
        Path p = dir.resolve("dims.gguf");
        new GGUFWriter().putString("general.architecture", "controlvector")
                .addF32("direction.1", new long[]{4, 1}, new float[]{1, 0, 0, 0}).write(p);
        byte[] b = Files.readAllBytes(p);
        dev.steer4j.testutil.GGUFPatch patch = new dev.steer4j.testutil.GGUFPatch(b);
        int dims = patch.after("direction.1") + 4;
        patch.putLong(dims, 1L << 40).putLong(dims + 8, 1L << 40);
        Files.write(p, patch.bytes());
        String m = fails(p);
        assertTrue(m.startsWith("vector file " + p + " is not a valid GGUF file: " + p + ": tensor 'direction.1' has absurd element count"), m);
    }
}
