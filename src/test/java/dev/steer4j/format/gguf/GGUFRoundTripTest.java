package dev.steer4j.format.gguf;

import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Every metadata type and tensor survives write → read, and rewriting the bundled model is byte-identical. */
class GGUFRoundTripTest {
    @TempDir Path dir;

    @Test
    void everyValueTypeRoundTrips() throws Exception {
        Path p = dir.resolve("all.gguf");
        new GGUFWriter()
                .put("u8", new GGUFValue(GGUFValueType.UINT8, null, 200L))
                .put("i8", new GGUFValue(GGUFValueType.INT8, null, -5L))
                .put("u16", new GGUFValue(GGUFValueType.UINT16, null, 60000L))
                .put("i16", new GGUFValue(GGUFValueType.INT16, null, -30000L))
                .put("u32", new GGUFValue(GGUFValueType.UINT32, null, 4_000_000_000L))
                .put("i32", new GGUFValue(GGUFValueType.INT32, null, -2_000_000_000L))
                .put("u64", new GGUFValue(GGUFValueType.UINT64, null, 1L << 40))
                .put("i64", new GGUFValue(GGUFValueType.INT64, null, -(1L << 40)))
                .put("f32", GGUFValue.ofFloat32(1.5f))
                .put("f64", new GGUFValue(GGUFValueType.FLOAT64, null, 2.25))
                .put("bool", GGUFValue.ofBool(true))
                .put("str", GGUFValue.of("héllo ▁ 日本"))
                .put("strs", GGUFValue.ofStrings(new String[]{"a", "", "c"}))
                .put("ints", GGUFValue.ofInts(GGUFValueType.INT32, new long[]{1, -2, 3}))
                .put("floats", GGUFValue.ofFloats(new float[]{0.5f, -1f}))
                .put("nested", new GGUFValue(GGUFValueType.ARRAY, GGUFValueType.ARRAY, new GGUFValue[]{GGUFValue.ofFloats(new float[]{7f})}))
                .addF32("t", new long[]{4, 2}, new float[]{1, 2, 3, 4, 5, 6, 7, 8})
                .write(p);
        try (GGUFFile f = GGUFFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals(200L, f.value("u8"));
            assertEquals(-5L, f.value("i8"));
            assertEquals(60000L, f.value("u16"));
            assertEquals(-30000L, f.value("i16"));
            assertEquals(4_000_000_000L, f.value("u32"));
            assertEquals(-2_000_000_000L, f.value("i32"));
            assertEquals(1L << 40, f.value("u64"));
            assertEquals(-(1L << 40), f.value("i64"));
            assertEquals(1.5f, f.getFloat("f32", 0));
            assertEquals(2.25, f.value("f64"));
            assertTrue(f.getBool("bool", false));
            assertEquals("héllo ▁ 日本", f.getString("str", null));
            assertArrayEquals(new String[]{"a", "", "c"}, f.getStrings("strs"));
            assertArrayEquals(new long[]{1, -2, 3}, f.getLongs("ints"));
            assertArrayEquals(new float[]{0.5f, -1f}, f.getFloats("floats"));
            GGUFTensorInfo t = f.requireTensor("t");
            assertEquals(2, t.rows());
            assertEquals(4, t.cols());
            assertEquals(8f, t.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 28));
        }
    }

    @Test
    void rewritingTheBundledModelIsByteIdentical() throws Exception {
        Path out = dir.resolve("copy.gguf");
        try (GGUFFile f = GGUFFile.open(Fixtures.stories260K())) {
            GGUFWriter w = new GGUFWriter().putAll(f.metadata());
            for (GGUFTensorInfo t : f.tensors().values()) w.addSegment(t.name(), t.dims(), t.type(), t.data());
            w.write(out);
        }
        assertArrayEquals(Files.readAllBytes(Fixtures.stories260K()), Files.readAllBytes(out));
    }
}
