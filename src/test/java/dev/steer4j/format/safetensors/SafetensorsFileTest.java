package dev.steer4j.format.safetensors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The safetensors reader and writer: round trip, the shard index, and one clear error per kind of bad file. */
class SafetensorsFileTest {
    @TempDir Path tmp;

    static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.writeBytes(h);
        out.writeBytes(new byte[dataBytes]);
        return out.toByteArray();
    }

    @Test
    void writesAndMapsF32F16AndBf16() throws Exception {
        Path p = tmp.resolve("t.safetensors");
        MemorySegment f16 = MemorySegment.ofArray(new short[]{Float.floatToFloat16(1.5f), Float.floatToFloat16(-2f)});
        new SafetensorsWriter()
                .addF32("a", new long[]{2, 3}, () -> new float[]{1, 2, 3, 4, 5, 6})
                .add("b", SafetensorsDType.F16, new long[]{2}, f16)
                .add("c", SafetensorsDType.BF16, new long[]{1}, MemorySegment.ofArray(new short[]{(short) (Float.floatToIntBits(3f) >>> 16)}))
                .write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(List.of("a", "b", "c"), List.copyOf(f.tensors().keySet()));
            SafetensorsTensor a = f.tensor("a");
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertEquals(SafetensorsDType.F32, a.dtype());
            assertEquals(6f, a.data().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 5));
            assertEquals(-2f, Float.float16ToFloat(f.tensor("b").data().getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 1)));
            assertEquals(SafetensorsDType.BF16, f.tensor("c").dtype());
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(0, (8 + Files.size(p) - 6 * 4 - 2 * 2 - 2) % 8, "header padded to 8 bytes");
        }
    }

    @Test
    void badFilesAreNamed() throws Exception {
        String[][] cases = {
                {"not json", "header is not valid JSON"},
                {"{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,16]}}", "tensor 'w' data_offsets [0, 16] lie outside the 8 data bytes"},
                {"{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", "tensor 'w' has 8 bytes but F32 [3] needs 12"},
                {"{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", "tensor 'w' has bad dimension -1"},
                {"{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", "tensor 'w' needs dtype, shape and data_offsets"},
        };
        for (String[] c : cases) {
            Path p = tmp.resolve("bad.safetensors");
            Files.write(p, file(c[0], 8));
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(p));
            assertTrue(e.getMessage().startsWith(p + ": ") && e.getMessage().contains(c[1]), e.getMessage());
        }
        Path huge = tmp.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(huge)).getMessage().contains("header length 1099511627776 is impossible"));
        Path i8 = tmp.resolve("i8.safetensors");
        Files.write(i8, file("{\"q\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8));
        try (SafetensorsFile f = SafetensorsFile.open(i8)) {
            assertTrue(f.has("q"));
            assertEquals(i8 + ": tensor 'q' has dtype I8 (supported: F32, F16, BF16)", assertThrows(SafetensorsFormatException.class, () -> f.tensor("q")).getMessage());
        }
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> SafetensorsFile.open(tmp.resolve("none.safetensors"))).getMessage().endsWith("file not found"));
    }

    @Test
    void shardIndex() throws Exception {
        new SafetensorsWriter().addF32("x", new long[]{1}, () -> new float[]{1}).write(tmp.resolve("s1.safetensors"));
        new SafetensorsWriter().addF32("y", new long[]{1}, () -> new float[]{2}).write(tmp.resolve("s2.safetensors"));
        Files.writeString(tmp.resolve(SafetensorsModelFiles.INDEX), "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s2.safetensors\"}}");
        try (SafetensorsModelFiles m = SafetensorsModelFiles.open(tmp)) {
            assertEquals(2, m.shards().size());
            assertEquals(2f, m.tensor("y").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0));
            assertNull(m.tensor("z"));
        }
        Files.writeString(tmp.resolve(SafetensorsModelFiles.INDEX), "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s3.safetensors\"}}");
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> SafetensorsModelFiles.open(tmp)).getMessage().contains("shard 's3.safetensors' (for tensor 'y') is missing"));
        Files.writeString(tmp.resolve(SafetensorsModelFiles.INDEX), "{\"weight_map\":{\"x\":\"s2.safetensors\"}}");
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> SafetensorsModelFiles.open(tmp)).getMessage().contains("tensor 'x', listed in model.safetensors.index.json, is not in this shard"));
        Files.writeString(tmp.resolve(SafetensorsModelFiles.INDEX), "{\"weight_map\":{\"x\":\"../s1.safetensors\"}}");
        assertTrue(assertThrows(SafetensorsFormatException.class, () -> SafetensorsModelFiles.open(tmp)).getMessage().contains("is not a file name beside the index"));
    }
}
