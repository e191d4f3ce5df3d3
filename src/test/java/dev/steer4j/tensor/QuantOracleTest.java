package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Oracle: the tiny-quant-*.gguf files hold the same random weights stored by llama-quantize --pure in each type.
 * Every tensor of the file's type must dequantise close to the same tensor of the F32 file, and our {@link Quantizer}
 * run on the F32 tensors must reproduce llama-quantize's bytes.
 */
class QuantOracleTest {
    private static final Path DIR = Path.of("src/test/resources/reference/tiny");
    private static GGUFFile f32;

    @BeforeAll
    static void open() { f32 = GGUFFile.open(DIR.resolve("tiny-quant-f32.gguf")); }

    @AfterAll
    static void close() { if (f32 != null) f32.close(); }

    private static float[] f32Values(String name) {
        GGUFTensorInfo t = f32.requireTensor(name);
        assertEquals(GGMLType.F32, t.type(), name);
        return t.data().toArray(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN));
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void dequantisesCloseToF32AndQuantizerMatchesLlamaQuantize(GGMLType type) {
        try (GGUFFile q = GGUFFile.open(DIR.resolve("tiny-quant-" + type.name().toLowerCase() + ".gguf"))) {
            int checked = 0, exact = 0;
            double worstRatio = 0;
            for (GGUFTensorInfo t : q.tensors().values()) {
                if (t.type() != type) continue;
                checked++;
                WeightMatrix m = WeightMatrix.of(t);
                assertEquals(type, m.type());
                float[] got = m.toFloatArray();
                float[] want = f32Values(t.name());
                assertEquals(want.length, got.length, t.name());
                byte[] ours = Quantizer.quantize(type, want, m.rows(), m.cols());
                byte[] theirs = t.data().toArray(ValueLayout.JAVA_BYTE);
                if (Arrays.equals(ours, theirs)) exact++;
                else {
                    int diff = 0;
                    for (int i = 0; i < ours.length; i++) if (ours[i] != theirs[i]) diff++;
                    System.out.println(type + " " + t.name() + ": " + diff + " of " + ours.length + " bytes differ");
                }
                worstRatio = Math.max(worstRatio, ErrorBounds.check(type, t.name(), want, got, m.cols()));
            }
            System.out.printf("%s: %d tensors, %d bit-exact, worst error / bound = %.3f%n", type, checked, exact, worstRatio);
            assertTrue(checked > 0, "no " + type + " tensors in the file");
            assertEquals(checked, exact, type + ": Quantizer should reproduce llama-quantize's bytes");
        }
    }
}
