package dev.steer4j.format.pytorch;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TorchCheckpointTest {
    @TempDir
    Path dir;

    private static Map<String, FloatTensor> sample() {
        Map<String, FloatTensor> sd = new LinkedHashMap<>();
        sd.put("conv.weight", new FloatTensor("conv.weight", new int[]{2, 1, 3, 3}, new float[]{1, 2, 3, 4, 5, 6, 7, 8, 9, -1, -2, -3, -4, -5, -6, -7, -8, -9.5f}));
        sd.put("conv.bias", new FloatTensor("conv.bias", new int[]{2}, new float[]{0.25f, -0.75f}));
        return sd;
    }

    @Test
    void readsAStateDictWrittenInTorchSaveFormat() throws IOException {
        Path f = dir.resolve("tiny.pth");
        TorchZipWriter.write(f, sample());
        Map<String, FloatTensor> sd = TorchCheckpoint.readStateDict(f);
        assertEquals(java.util.List.of("conv.weight", "conv.bias"), java.util.List.copyOf(sd.keySet()));
        assertArrayEquals(new int[]{2, 1, 3, 3}, sd.get("conv.weight").shape());
        assertArrayEquals(sample().get("conv.weight").data(), sd.get("conv.weight").data());
        assertArrayEquals(new float[]{0.25f, -0.75f}, sd.get("conv.bias").data());
    }

    @Test
    void honoursStorageOffsetAndStrides() throws IOException {
        // a transposed 2x3 view of a 3x2 storage, starting at element 1
        var p = new TorchZipWriter.Pickle();
        p.op(0x80).op(2).op('}').str("w").global("torch._utils", "_rebuild_tensor_v2").op('(')
                .op('(').str("storage").global("torch", "FloatStorage").str("0").str("cpu").integer(7).op('t').op('Q')
                .integer(1).op('(').integer(2).integer(3).op('t').op('(').integer(1).integer(2).op('t').op(0x89)
                .global("collections", "OrderedDict").op(')').op('R').op('t').op('R').op('s').op('.');
        Path f = dir.resolve("strided.pth");
        TorchZipWriter.writeRaw(f, p.bytes(), new float[]{9, 0, 1, 2, 3, 4, 5});
        FloatTensor w = TorchCheckpoint.readStateDict(f).get("w");
        assertArrayEquals(new float[]{0, 2, 4, 1, 3, 5}, w.data());
    }

    @Test
    void refusesAGlobalOfOsSystem() throws IOException {
        // what pickle.dumps of a __reduce__ returning (os.system, ('touch pwned',)) looks like
        var p = new TorchZipWriter.Pickle();
        p.op(0x80).op(2).global("os", "system").str("touch " + dir.resolve("pwned")).op(0x85).op('R').op('.');
        Path f = dir.resolve("hostile.pth");
        TorchZipWriter.writeRaw(f, p.bytes());
        CheckpointException e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.readStateDict(f));
        assertTrue(e.getMessage().startsWith(f + "!archive/data.pkl: GLOBAL os.system is refused"), e.getMessage());
        assertTrue(e.getMessage().contains("nothing in this file was executed"), e.getMessage());
        assertTrue(e.getMessage().contains("(pickle byte 2)"), e.getMessage());
        assertTrue(!Files.exists(dir.resolve("pwned")));
    }

    @Test
    void refusesStackGlobalOfBuiltinsEval() {
        var p = new TorchZipWriter.Pickle();
        p.op(0x80).op(4).op(0x8c).op(8).op('b').op('u').op('i').op('l').op('t').op('i').op('n').op('s')
                .op(0x8c).op(4).op('e').op('v').op('a').op('l').op(0x93).op('.');
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeUnpickler.load(p.bytes(), "x.pkl"));
        assertTrue(e.getMessage().startsWith("x.pkl: STACK_GLOBAL builtins.eval is refused"), e.getMessage());
    }

    @Test
    void refusesReduceOnAnUnknownCallable() {
        // REDUCE on an allowed storage class used as a callable, and on a non-global
        var p = new TorchZipWriter.Pickle();
        p.op(0x80).op(2).global("torch", "FloatStorage").str("x").op(0x85).op('R').op('.');
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeUnpickler.load(p.bytes(), "a.pkl"));
        assertEquals("a.pkl: REDUCE on torch.FloatStorage is refused: it is not a callable a state dict needs (pickle byte 29)", e.getMessage());

        var q = new TorchZipWriter.Pickle();
        q.op(0x80).op(2).str("system").op(')').op('R').op('.');
        e = assertThrows(CheckpointException.class, () -> SafeUnpickler.load(q.bytes(), "b.pkl"));
        assertEquals("b.pkl: REDUCE on an unknown callable 'system' is refused (pickle byte 14)", e.getMessage());
    }

    @Test
    void refusesOpcodesOutsideTheSubset() {
        // INST ('i') builds an object by calling a class: not part of the state-dict subset
        byte[] inst = "(ios\nsystem\n.".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeUnpickler.load(inst, "c.pkl"));
        assertEquals("c.pkl: pickle opcode 0x69 ('i') is not allowed in a state dict (pickle byte 1)", e.getMessage());
    }

    @Test
    void namesTruncationAndMissingStorage() throws IOException {
        byte[] full = TorchZipWriter.statePickle(sample());
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        CheckpointException e = assertThrows(CheckpointException.class, () -> SafeUnpickler.load(cut, "t.pkl"));
        assertTrue(e.getMessage().startsWith("t.pkl: pickle ends without STOP"), e.getMessage());

        Path f = dir.resolve("nostorage.pth");
        TorchZipWriter.writeRaw(f, full, sample().get("conv.weight").data()); // storage 1 missing
        e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.readStateDict(f));
        assertEquals(f + ": tensor 'conv.bias' refers to storage archive/data/1, which is not in the archive", e.getMessage());

        Path g = dir.resolve("notzip.pth");
        Files.writeString(g, "hello");
        e = assertThrows(CheckpointException.class, () -> TorchCheckpoint.readStateDict(g));
        assertTrue(e.getMessage().startsWith(g + ": not a zip archive"), e.getMessage());
    }
}
