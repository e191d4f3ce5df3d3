package dev.steer4j.format.gguf;

import dev.steer4j.testutil.GGUFPatch;
import dev.steer4j.testutil.TinyModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tensor data layout as llama.cpp checks it (each tensor's data follow the previous one's, padded to the alignment),
 * so a changed type id, an overlap or a wrong alignment is an error naming both tensors instead of silent garbage;
 * and hostile names that must not reach a terminal raw.
 */
class GGUFLayoutTest {
    private static final Path P = Path.of("bad.gguf");
    private static final byte[] TINY = TinyModel.bytes(GGMLType.F32);

    private static String fails(byte[] bytes) {
        GGUFFormatException e = assertThrows(GGUFFormatException.class, () -> GGUFFile.fromBytes(P, bytes).close());
        assertTrue(e.getMessage().startsWith("bad.gguf: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void theTinyModelIsClean() {
        try (GGUFFile f = GGUFFile.fromBytes(P, TINY)) {
            assertEquals(11, f.tensors().size());
            assertEquals(java.util.List.of(), f.warnings());
        }
    }

    @Test
    void aTypeIdChangedWithoutReencodingIsAnError() {
        GGUFPatch p = new GGUFPatch(TINY);
        p.putInt(p.tensorType("blk.0.attn_q.weight"), GGMLType.F16.id());
        String m = fails(p.bytes());
        assertTrue(m.contains("tensor 'blk.0.attn_k.weight' has data offset "), m);
        assertTrue(m.contains("tensor 'blk.0.attn_q.weight' (F16, 64 elements = 128 bytes) ends at "), m);
        assertTrue(m.contains("leaves 128 unused bytes before it"), m);
    }

    @Test
    void overlappingTensorDataIsAnError() {
        GGUFPatch p = new GGUFPatch(TINY);
        int at = p.tensorOffset("blk.0.attn_k.weight");
        p.putLong(at, p.getLong(at) - 32);
        String m = fails(p.bytes());
        assertTrue(m.contains("tensor 'blk.0.attn_k.weight' has data offset"), m);
        assertTrue(m.contains("overlaps the data before it"), m);
    }

    @Test
    void aHugeOffsetThatIsAMultipleOfTheAlignmentIsCalledPastTheEnd() {
        GGUFPatch p = new GGUFPatch(TINY);
        p.putLong(p.tensorOffset("blk.0.attn_k.weight"), -32L); // 18446744073709551584, a multiple of 32
        String m = fails(p.bytes());
        assertTrue(m.contains("has data offset 18446744073709551584, past the end of the file"), m);
        assertFalse(m.contains("not a multiple"), m);
    }

    @Test
    void aSmallerAlignmentThanTheWriterUsedIsAWarningOrAnError() {
        byte[] b;
        try {
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile("al", ".gguf");
            TinyModel.writer(GGMLType.F32).putUInt32("general.alignment", 64).write(tmp);
            b = java.nio.file.Files.readAllBytes(tmp);
            java.nio.file.Files.delete(tmp);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        GGUFPatch p = new GGUFPatch(b);
        p.putInt(p.metaValue("general.alignment"), 8);
        try (GGUFFile f = GGUFFile.fromBytes(P, p.bytes())) {
            assertEquals(1, f.warnings().size(), f.warnings().toString());
            assertTrue(f.warnings().get(0).contains("bytes after the last tensor's data (general.alignment = 8 may be wrong"), f.warnings().get(0));
        } catch (GGUFFormatException e) {
            assertTrue(e.getMessage().contains("general.alignment"), e.getMessage());
        }
    }

    @Test
    void aLongTensorNameWithEscapesIsRefusedAndShownEscapedAndCut() {
        String evil = "\u001b[31mred\r" + "x".repeat(5000);
        GGUFWriter w = new GGUFWriter().putString("general.architecture", "llama").addF32(evil, new long[]{8}, new float[8]);
        byte[] b;
        try {
            java.nio.file.Path tmp = java.nio.file.Files.createTempFile("nm", ".gguf");
            w.write(tmp);
            b = java.nio.file.Files.readAllBytes(tmp);
            java.nio.file.Files.delete(tmp);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String m = fails(b);
        assertTrue(m.contains("has a name of 5009 bytes, '\\x1b[31mred\\rxxx"), m);
        assertTrue(m.contains("… (4889 more characters)"), m);
        assertTrue(m.length() < 400, m.length() + " chars");
        assertTrue(m.chars().noneMatch(c -> c < 0x20), "no control characters");
    }
}
