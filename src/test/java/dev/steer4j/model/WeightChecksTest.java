package dev.steer4j.model;

import dev.steer4j.cli.CliRunner;
import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.NonFiniteScan;
import dev.steer4j.testutil.TinyModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Issue 14's "silent garbage" on the matrix side: NaN/Inf anywhere in the weights (not only in norms) is a load error
 * naming the tensor and the position; tensors the family does not read are a warning the CLI prints on stderr.
 */
class WeightChecksTest {
    @TempDir Path dir;

    /** The tiny model with one value of {@code tensor} (at byte {@code byteInData} of its data) overwritten. */
    private Path patched(GGMLType type, String tensor, int byteInData, short f16, Float f32) throws IOException {
        Path good = dir.resolve("good-" + type + ".gguf");
        TinyModel.writer(type).write(good);
        byte[] b = Files.readAllBytes(good);
        long at;
        try (GGUFFile f = GGUFFile.open(good)) {
            at = f.dataOffset() + f.requireTensor(tensor).offset() + byteInData;
        }
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        if (f32 != null) bb.putFloat((int) at, f32);
        else bb.putShort((int) at, f16);
        Path p = dir.resolve("bad-" + type + ".gguf");
        Files.write(p, b);
        return p;
    }

    private static String fails(Path p) {
        ModelException e = assertThrows(ModelException.class, () -> Model.load(p).close());
        return e.getMessage();
    }

    @Test
    void aNaNInAMatrixIsALoadError() throws IOException {
        Path p = patched(GGMLType.F32, "blk.0.attn_q.weight", 7 * 4, (short) 0, Float.NaN);
        assertEquals(p + ": tensor 'blk.0.attn_q.weight' holds NaN at element 7 (F32); the weights are damaged", fails(p));
        p = patched(GGMLType.F32, "token_embd.weight", 79 * 4, (short) 0, Float.NEGATIVE_INFINITY);
        assertEquals(p + ": tensor 'token_embd.weight' holds -Inf at element 79 (F32); the weights are damaged", fails(p));
    }

    @Test
    void aNonFiniteScaleOfAQuantisedBlockIsALoadError() throws IOException {
        // Q8_0 blocks are 34 bytes: the f16 scale, then 32 int8 quants. Block 2's scale becomes +Inf (0x7c00).
        Path p = patched(GGMLType.Q8_0, "blk.0.ffn_down.weight", 2 * 34, (short) 0x7c00, null);
        assertEquals(p + ": tensor 'blk.0.ffn_down.weight' holds +Inf in a scale of block 2 (Q8_0); the weights are damaged", fails(p));
    }

    @Test
    void everyLaneOfEveryPlainTypeIsSeen() {
        try (Arena a = Arena.ofConfined()) {
            for (int n : new int[]{1, 3, 4, 5, 8, 9, 17}) {
                for (int at = 0; at < n; at++) {
                    assertEquals(at, first(a, GGMLType.F32, n, at, Float.floatToRawIntBits(Float.NaN)), "F32 n=" + n);
                    assertEquals(at, first(a, GGMLType.F16, n, at, 0xfc00), "F16 -Inf n=" + n);
                    assertEquals(at, first(a, GGMLType.BF16, n, at, 0x7fc0), "BF16 NaN n=" + n);
                    assertNull(NonFiniteScan.scan(tensor(a, GGMLType.F16, n, at, 0x7bff)), "the largest finite f16 is finite");
                }
            }
        }
    }

    private static long first(Arena a, GGMLType type, int n, int at, int bits) {
        NonFiniteScan.Finding f = NonFiniteScan.scan(tensor(a, type, n, at, bits));
        assertNotNull(f, type + " at " + at + " of " + n);
        return f.index();
    }

    /** {@code n} values of 1.0 (F32/F16/BF16) with raw {@code bits} at index {@code at}. */
    private static GGUFTensorInfo tensor(Arena a, GGMLType type, int n, int at, int bits) {
        int w = type == GGMLType.F32 ? 4 : 2;
        MemorySegment s = a.allocate((long) n * w);
        for (int i = 0; i < n; i++) {
            int v = i == at ? bits : type == GGMLType.F32 ? Float.floatToRawIntBits(1f) : type == GGMLType.F16 ? 0x3c00 : 0x3f80;
            if (w == 4) s.set(ValueLayout.JAVA_INT_UNALIGNED, 4L * i, v);
            else s.set(ValueLayout.JAVA_SHORT_UNALIGNED, 2L * i, (short) v);
        }
        return new GGUFTensorInfo("t", new long[]{n}, type, 0, s);
    }

    @Test
    void unusedTensorsAreAWarningThatTheCliPrints() throws IOException {
        Path p = dir.resolve("extra.gguf");
        TinyModel.writer(GGMLType.F32).addF32("extra.weight", new long[]{4}, new float[4]).write(p);
        try (Model m = Model.load(p)) {
            assertEquals(List.of(p + ": 1 tensor not used by the 'llama' architecture (ignored): 'extra.weight'"), m.warnings());
        }
        Path clean = dir.resolve("clean.gguf");
        TinyModel.writer(GGMLType.F32).write(clean);
        try (Model m = Model.load(clean)) {
            assertEquals(List.of(), m.warnings());
        }
        CliRunner.Result r = CliRunner.run("inspect", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("steer4j: warning: " + p + ": 1 tensor not used by the 'llama' architecture (ignored): 'extra.weight'\n", r.err());
        r = CliRunner.run("generate", "-m", p.toString(), "--prompt", "a", "-n", "1", "--temp", "0");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("steer4j: warning: " + p + ": 1 tensor not used"), r.err());
    }

    @Test
    void theFileReadersWarningsArePrinted() throws IOException {
        Path p = dir.resolve("trailing.gguf");
        TinyModel.writer(GGMLType.F32).write(p);
        Files.write(p, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
        CliRunner.Result r = CliRunner.run("inspect", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().startsWith("steer4j: warning: " + p + ": 4096 bytes after the last tensor's data"), r.err());
    }

    @Test
    void inspectEscapesMetadataStrings() throws IOException {
        Path p = dir.resolve("name.gguf");
        TinyModel.writer(GGMLType.F32).putString("general.name", "evil\u001b[2J\rname\u202e").putString("x.\u001bkey", "v").write(p);
        CliRunner.Result r = CliRunner.run("inspect", p.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertFalse(r.out().contains("\u001b") || r.out().contains("\r") || r.out().contains("\u202e"), "raw control characters reached the terminal");
        assertTrue(r.out().contains("architecture  llama (evil\\x1b[2J\\rname\\u202e)"), r.out());
        assertTrue(r.out().contains("\"evil\\x1b[2J\\rname\\u202e\""), r.out());
        assertTrue(r.out().contains("x.\\x1bkey"), r.out());
        String longName = "n".repeat(500);
        TinyModel.writer(GGMLType.F32).putString("general.name", longName).write(p);
        r = CliRunner.run("inspect", p.toString());
        assertTrue(r.out().contains("\"" + "n".repeat(80) + "… (420 more characters)\""), r.out());
    }

    @Test
    void inMemoryFilesBelongToTheThreadThatParsedThem() throws Exception {
        try (GGUFFile f = GGUFFile.fromBytes(Path.of("mem.gguf"), TinyModel.bytes(GGMLType.F32))) {
            MemorySegment data = f.requireTensor("output_norm.weight").data();
            assertEquals(1f, data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
            // a confined arena: freed at close without the shared arena's handshake with every thread (slow under fuzzing)
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> CompletableFuture.supplyAsync(() -> data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0)).get());
            assertInstanceOf(WrongThreadException.class, e.getCause());
        }
    }

    @Test
    void theWriterHelperKeepsTheTinyModelClean() {
        // guards the fixtures above: the unpatched tiny models (F32, Q8_0) load without a finding
        for (GGMLType t : new GGMLType[]{GGMLType.F32, GGMLType.Q8_0}) {
            try (GGUFFile f = GGUFFile.fromBytes(Path.of("tiny.gguf"), TinyModel.bytes(t)); Model m = Model.fromGGUF(f)) {
                assertEquals(List.of(), m.warnings(), t.toString());
            }
        }
    }
}
