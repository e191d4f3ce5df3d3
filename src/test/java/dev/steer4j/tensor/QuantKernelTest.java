package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The Vector API {@code dotRow} of every type against a scalar twin: dequantise the row with the scalar
 * {@code dequantizeRow} (ggml's dequantize_row_* semantics) and accumulate in double.
 * <p>Tolerance: the kernel sums in float, in a different order, and factors block scales out of the sums
 * ({@code d·Σq·x} instead of {@code Σ(d·q)·x}). Each rounding is at most u = 2^-24 relative to a partial sum bounded
 * by {@code Σ|w·x|}, the summation depth is at most {@code cols}, and the factoring adds at most two roundings per
 * term, so {@code |dot - twin| <= (cols + 8)·u·Σ|w·x|}. A layout error shows up as an error of order Σ|w·x| itself.
 */
class QuantKernelTest {
    private static final ThreadPool POOL = new ThreadPool(3);
    static final GGMLType[] TYPES = {GGMLType.F16, GGMLType.BF16, GGMLType.Q8_0, GGMLType.Q4_0, GGMLType.Q4_1,
            GGMLType.Q4_K, GGMLType.Q5_K, GGMLType.Q6_K};

    /** Row values: Gaussian with a per-row scale, some outliers, and an all-zero block in some rows. */
    static float[] randomValues(Random rnd, int rows, int cols, int blockSize) {
        float[] v = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            float scale = (float) Math.exp(rnd.nextGaussian() * 1.5);
            for (int c = 0; c < cols; c++) {
                float g = (float) rnd.nextGaussian() * scale;
                if (rnd.nextInt(200) == 0) g *= 8;
                v[r * cols + c] = g;
            }
            if (r % 3 == 1 && cols >= blockSize) {
                int b = rnd.nextInt(cols / blockSize);
                for (int c = 0; c < blockSize; c++) v[r * cols + b * blockSize + c] = 0f;
            }
        }
        return v;
    }

    static int[] colsFor(GGMLType type) {
        return switch (type.blockSize()) {
            case 1 -> new int[]{1, 7, 16, 33, 100, 257, 1000, 2048};
            case 32 -> new int[]{32, 96, 160, 544, 2080};
            default -> new int[]{256, 768, 2304};
        };
    }

    static WeightMatrix matrix(GGMLType type, MemorySegment seg, int rows, int cols) {
        return WeightMatrix.of("test", type, seg, rows, cols);
    }

    /** Checks dotRow of every row against the twin, at two activation offsets. */
    static void checkRows(WeightMatrix m, Random rnd) {
        int cols = m.cols();
        for (int xOff : new int[]{0, 3}) {
            float[] x = new float[xOff + cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] w = new float[cols];
            for (int r = 0; r < m.rows(); r++) {
                m.dequantizeRow(r, w, 0);
                double twin = 0, mag = 0;
                for (int i = 0; i < cols; i++) {
                    twin += (double) w[i] * x[xOff + i];
                    mag += Math.abs((double) w[i] * x[xOff + i]);
                }
                float got = m.dotRow(r, x, xOff);
                double tol = (cols + 8) * 0x1p-24 * mag;
                if (!(Math.abs(got - twin) <= tol))
                    fail(String.format("%s %d cols row %d xOff %d: dotRow %s, twin %s, |diff| %.3g > tol %.3g",
                            m.type(), cols, r, xOff, got, twin, Math.abs(got - twin), tol));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void dotRowMatchesScalarTwin(GGMLType type) {
        Random rnd = new Random(42 + type.ordinal());
        for (int cols : colsFor(type)) {
            int rows = 6;
            float[] v = randomValues(rnd, rows, cols, type.blockSize());
            byte[] q = Quantizer.quantize(type, v, rows, cols);
            assertEquals(type.byteSize((long) rows * cols), q.length);
            // heap segment
            checkRows(matrix(type, MemorySegment.ofArray(q), rows, cols), rnd);
            // native segment at an odd address, as a tensor inside a mapped file can be for these block sizes
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(q.length + 1).asSlice(1);
                MemorySegment.copy(q, 0, seg, ValueLayout.JAVA_BYTE, 0, q.length);
                checkRows(matrix(type, seg, rows, cols), rnd);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void matvecAndMatmulAgreeWithDotRow(GGMLType type) {
        Random rnd = new Random(7);
        int rows = 37, cols = type.blockSize() == 1 ? 300 : 2 * Math.max(256, type.blockSize());
        WeightMatrix m = matrix(type, MemorySegment.ofArray(Quantizer.quantize(type, randomValues(rnd, rows, cols, type.blockSize()), rows, cols)), rows, cols);
        ThreadPool pool = POOL;
        int n = 3;
        float[] x = new float[n * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        // Not bit-equal: reduceLanes(ADD) sums lanes in an unspecified order that differs between the interpreter and
        // C2, so the pool threads may round differently. Both sides obey the dotRow tolerance, hence twice it here.
        float[] w = new float[cols];
        float[] y = new float[rows];
        m.matvec(pool, x, 0, y, 0);
        float[] yb = new float[n * rows];
        m.matmul(pool, x, cols, yb, rows, n);
        for (int i = 0; i < n; i++) {
            for (int r = 0; r < rows; r++) {
                m.dequantizeRow(r, w, 0);
                double mag = 0;
                for (int c = 0; c < cols; c++) mag += Math.abs((double) w[c] * x[i * cols + c]);
                float tol = (float) (2 * (cols + 8) * 0x1p-24 * mag);
                float want = m.dotRow(r, x, i * cols);
                if (i == 0) assertEquals(want, y[r], tol, "matvec row " + r);
                assertEquals(want, yb[i * rows + r], tol, "matmul input " + i + " row " + r);
            }
        }
    }

    /**
     * The vector half→float conversion is bit-exact against {@link Float#float16ToFloat} for every sign and exponent
     * (zero, subnormal, normal, infinity/NaN) with 16 mantissas each, the extremes included. NaNs need only stay NaNs:
     * the F16C intrinsic behind {@code float16ToFloat} quiets signalling NaNs, the kernel keeps their payload.
     */
    @Test
    void vectorHalfConversionIsExact() {
        if (!Blocks.FAST) return;
        int[] mantissas = {0, 1, 2, 3, 0x0AA, 0x155, 0x1FF, 0x200, 0x201, 0x2AA, 0x3FC, 0x3FD, 0x3FE, 0x3FF, 0x123, 0x2DC};
        int n = 2 * 32 * mantissas.length;
        byte[] halves = new byte[2 * n];
        int k = 0;
        for (int sign = 0; sign < 2; sign++)
            for (int exp = 0; exp < 32; exp++)
                for (int m : mantissas) {
                    int h = sign << 15 | exp << 10 | m;
                    halves[2 * k] = (byte) h;
                    halves[2 * k + 1] = (byte) (h >> 8);
                    k++;
                }
        MemorySegment seg = MemorySegment.ofArray(halves);
        float[] lanes = new float[Blocks.L];
        for (int h0 = 0; h0 < n; h0 += Blocks.L) {
            F16Matrix.halves(seg, 2L * h0).intoArray(lanes, 0);
            for (int j = 0; j < Blocks.L; j++) {
                short h = (short) ((halves[2 * (h0 + j)] & 0xFF) | halves[2 * (h0 + j) + 1] << 8);
                float want = Float.float16ToFloat(h);
                if (Float.isNaN(want) && Float.isNaN(lanes[j])) continue;
                if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(lanes[j]))
                    fail(String.format("half 0x%04x: got 0x%08x want 0x%08x", h & 0xFFFF, Float.floatToRawIntBits(lanes[j]), Float.floatToRawIntBits(want)));
            }
        }
    }

    /** F16 rows with subnormals, zeros of both signs and large values dot exactly like the twin. */
    @Test
    void f16SpecialValues() {
        int cols = 64;
        float[] v = new float[cols];
        for (int i = 0; i < cols; i++) v[i] = switch (i % 6) {
            case 0 -> 0x1p-24f * (i + 1);   // subnormal halves
            case 1 -> -0f;
            case 2 -> 65504f;               // largest half
            case 3 -> -0x1p-14f;            // smallest normal
            default -> (float) Math.sin(i);
        };
        WeightMatrix m = matrix(GGMLType.F16, MemorySegment.ofArray(Quantizer.quantize(GGMLType.F16, v, 1, cols)), 1, cols);
        checkRows(m, new Random(1));
        float[] back = m.row(0);
        for (int i = 0; i < cols; i++) assertEquals(Float.float16ToFloat(Float.floatToFloat16(v[i])), back[i], 0f);
    }

    /**
     * An infinite or NaN weight, at an even or an odd position, in the vector body or the scalar tail, makes the dot
     * product infinite or NaN exactly as the scalar twin says, and the largest finite half stays finite.
     */
    @Test
    void f16InfinitiesAndNaNsReachTheResult() {
        int cols = 192;
        float[] x = new float[cols];
        for (int i = 0; i < cols; i++) x[i] = 0.5f + (i % 7) * 0.25f;
        float[][] cases = new float[5][cols];
        for (float[] c : cases) for (int i = 0; i < cols; i++) c[i] = (float) Math.cos(i) * 0.1f;
        cases[0][64] = Float.POSITIVE_INFINITY;   // even position
        cases[1][129] = Float.NEGATIVE_INFINITY;  // odd position
        cases[2][3] = Float.NaN;
        cases[3][64] = Float.POSITIVE_INFINITY;
        cases[3][65] = Float.NEGATIVE_INFINITY;   // inf - inf = NaN
        cases[4][190] = Float.POSITIVE_INFINITY;  // near the end of the row
        float[] want = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.NaN, Float.POSITIVE_INFINITY};
        for (int k = 0; k < cases.length; k++) {
            WeightMatrix m = matrix(GGMLType.F16, MemorySegment.ofArray(Quantizer.quantize(GGMLType.F16, cases[k], 1, cols)), 1, cols);
            float got = m.dotRow(0, x, 0);
            assertEquals(Float.floatToIntBits(want[k]), Float.floatToIntBits(got), "case " + k + ": got " + got);
        }
        float[] finite = cases[0].clone();
        finite[64] = 65504f;
        WeightMatrix m = matrix(GGMLType.F16, MemorySegment.ofArray(Quantizer.quantize(GGMLType.F16, finite, 1, cols)), 1, cols);
        double exact = 0;
        for (int i = 0; i < cols; i++) exact += (double) Float.float16ToFloat(Float.floatToFloat16(finite[i])) * x[i];
        assertEquals(exact, m.dotRow(0, x, 0), 1e-6 * Math.abs(exact) + 1e-3);
    }

    @Test
    void rejectsPartialBlocksAndShortData() {
        assertThrowsIAE(() -> matrix(GGMLType.Q4_K, MemorySegment.ofArray(new byte[144]), 1, 128));
        assertThrowsIAE(() -> matrix(GGMLType.Q8_0, MemorySegment.ofArray(new byte[33]), 1, 32));
        assertThrowsIAE(() -> Quantizer.quantize(GGMLType.Q4_0, new float[48], 1, 48));
    }

    private static void assertThrowsIAE(Runnable r) {
        try {
            r.run();
        } catch (IllegalArgumentException e) {
            return;
        }
        fail("expected IllegalArgumentException");
    }

    @Test
    void allRegisteredTypesAreSupported() {
        for (GGMLType t : TYPES) {
            assertTrue(t.supported(), t + " should be flagged supported");
            assertEquals(t, matrix(t, MemorySegment.ofArray(new byte[(int) t.byteSize(256)]), 1, 256).type());
        }
    }
}
