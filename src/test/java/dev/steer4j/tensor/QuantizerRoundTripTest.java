package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** quantize → dequantize stays within each type's error bound ({@link ErrorBounds}); edge-case blocks behave. */
class QuantizerRoundTripTest {

    static float[] dequantize(GGMLType type, float[] v, int rows, int cols) {
        byte[] q = Quantizer.quantize(type, v, rows, cols);
        return WeightMatrix.of("rt", type, MemorySegment.ofArray(q), rows, cols).toFloatArray();
    }

    /**
     * Gaussian rows with per-row scales spanning several orders of magnitude, plus occasional outliers. (The K-quant
     * bounds assume the sub-blocks of a super-block have comparable ranges, as in real weights; see ErrorBounds.)
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void roundTripWithinBound(GGMLType type) {
        Random rnd = new Random(1234 + type.ordinal());
        int rows = 24, cols = 512;
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            double scale = Math.pow(10, -3 + 5.0 * r / rows); // 1e-3 .. 1e2, within half range
            for (int c = 0; c < cols; c++) {
                double g = rnd.nextGaussian();
                if (type.blockSize() < 256 && rnd.nextInt(100) == 0) g *= 6; // outliers stress the 32-value types
                v[r * cols + c] = (float) (g * scale);
            }
        }
        float[] back = dequantize(type, v, rows, cols);
        double worst = ErrorBounds.check(type, "round trip", v, back, cols);
        System.out.printf("%s round trip: worst error / bound = %.3f%n", type, worst);
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void zerosComeBackExactly(GGMLType type) {
        float[] back = dequantize(type, new float[512], 2, 256);
        for (float f : back) assertEquals(0f, f, 0f);
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q8_0", "Q4_0", "Q6_K"})
    void symmetricTypesKeepTheSignedExtremeNearlyExactly(GGMLType type) {
        // The extreme value is what these types scale to: it comes back up to the half rounding of the scale.
        float[] v = new float[256];
        Random rnd = new Random(5);
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        v[17] = -9.5f;
        float[] back = dequantize(type, v, 1, 256);
        assertEquals(-9.5f, back[17], 9.5f * 0x1p-10);
    }

    @Test
    void q4_1AndQ4_KKeepAConstantPositiveBlockClose() {
        float[] v = new float[256];
        java.util.Arrays.fill(v, 0.75f);
        for (GGMLType t : new GGMLType[]{GGMLType.Q4_1, GGMLType.Q4_K, GGMLType.Q5_K}) {
            float[] back = dequantize(t, v, 1, 256);
            for (float f : back) assertEquals(0.75f, f, 0.75f / 15 / 2 + 1e-3f, t.toString());
        }
    }

    /** Large tensors are quantised in parallel chunks; the bytes must equal a row-by-row quantisation. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F16", "Q8_0", "Q4_K", "Q6_K"})
    void parallelSplitDoesNotChangeTheBytes(GGMLType type) {
        int rows = 160, cols = 2048; // 327680 values: more than one parallel chunk
        Random rnd = new Random(9);
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        byte[] whole = Quantizer.quantize(type, v, rows, cols);
        int rowBytes = (int) type.byteSize(cols);
        for (int r = 0; r < rows; r += 37) {
            byte[] one = Quantizer.quantize(type, java.util.Arrays.copyOfRange(v, r * cols, (r + 1) * cols), 1, cols);
            assertTrue(java.util.Arrays.equals(one, 0, rowBytes, whole, r * rowBytes, (r + 1) * rowBytes), "row " + r);
        }
    }

    @Test
    void rejectsTypesWithoutAQuantizer() {
        try {
            Quantizer.quantize(GGMLType.Q5_0, new float[32], 1, 32);
        } catch (UnsupportedTensorTypeException e) {
            return;
        }
        throw new AssertionError("Q5_0 should be rejected");
    }

    @Test
    void nearestIntAndRoundfFollowC() {
        assertEquals(2, Quantizer.nearestInt(2.5f));   // half to even
        assertEquals(-2, Quantizer.nearestInt(-2.5f));
        assertEquals(4, Quantizer.nearestInt(3.5f));
        assertEquals(3f, Quantizer.roundf(2.5f));       // half away from zero
        assertEquals(-3f, Quantizer.roundf(-2.5f));
        assertEquals(0f, Quantizer.roundf(0.49999997f));
        assertTrue(Float.floatToRawIntBits(Quantizer.roundf(-0.2f)) == 0x80000000);
    }

    @Test
    void bf16RoundsToNearestEvenAndQuietsNaN() {
        assertEquals((short) 0x3f80, Quantizer.toBF16(1.0f));
        assertEquals((short) 0x3f80, Quantizer.toBF16(Float.intBitsToFloat(0x3f808000))); // tie → even
        assertEquals((short) 0x3f82, Quantizer.toBF16(Float.intBitsToFloat(0x3f818000))); // tie → even (up)
        assertEquals((short) 0x7fc1, Quantizer.toBF16(Float.intBitsToFloat(0x7f810000))); // sNaN made quiet
    }
}
