package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The vector dequantisers and the tiled prefill product against the scalar reference and the dot kernels. */
class TiledMatmulTest {
    static final ThreadPool ONE = new ThreadPool(1), THREE = new ThreadPool(3);

    static WeightMatrix random(GGMLType type, Random rnd, int rows, int cols) {
        byte[] q = Quantizer.quantize(type, QuantKernelTest.randomValues(rnd, rows, cols, type.blockSize()), rows, cols);
        return WeightMatrix.of("t", type, MemorySegment.ofArray(q), rows, cols);
    }

    /** dequantizeRowFast performs the scalar dequantiser's float operations, so it must be bit-identical. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void fastDequantiserIsBitIdentical(GGMLType type) {
        Random rnd = new Random(5);
        for (int cols : type.blockSize() == 1 ? new int[]{7, 64, 300} : type.blockSize() == 32 ? new int[]{32, 96, 544} : new int[]{256, 768}) {
            int rows = 4;
            byte[] q = Quantizer.quantize(type, QuantKernelTest.randomValues(rnd, rows, cols, type.blockSize()), rows, cols);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment seg = arena.allocate(q.length + 1).asSlice(1); // odd address
                MemorySegment.copy(q, 0, seg, ValueLayout.JAVA_BYTE, 0, q.length);
                WeightMatrix m = WeightMatrix.of("t", type, seg, rows, cols);
                for (int r = 0; r < rows; r++) {
                    float[] want = new float[cols + 3], got = new float[cols + 3];
                    m.dequantizeRow(r, want, 3);
                    m.dequantizeRowFast(r, got, 3);
                    for (int i = 0; i < want.length; i++)
                        assertEquals(Float.floatToRawIntBits(want[i]), Float.floatToRawIntBits(got[i]), type + " " + cols + " cols row " + r + " element " + i);
                }
            }
        }
    }

    /**
     * The tiled product for every batch size (multiples of the 4-input kernel and remainders; from 16 inputs the wide
     * outer-product kernel for non-F32 types) and row count
     * (partial 8-row tiles) equals dotRow within twice the dot tolerance (both are float sums of the same terms in
     * different orders, see {@link QuantKernelTest}), and is bit-identical whatever the thread count.
     */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void tiledProductMatchesDotRowAndIgnoresThreadCount(GGMLType type) {
        Random rnd = new Random(9);
        int cols = type.blockSize() == 1 ? 200 : 512;
        for (int rows : new int[]{1, 7, 8, 9, 37}) {
            WeightMatrix m = random(type, rnd, rows, cols);
            for (int n : new int[]{2, 3, 4, 5, 9, 16, 33, 50}) { // 16 and more: the wide kernel (32- and 16-input groups, padding)
                float[] x = new float[n * cols + 5];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] y1 = new float[n * rows], y3 = new float[n * rows];
                m.matmul(ONE, x, cols, y1, rows, n);
                m.matmul(THREE, x, cols, y3, rows, n);
                assertArrayEquals(y1, y3, type + " rows " + rows + " n " + n + ": thread count changed the result");
                float[] w = new float[cols];
                for (int i = 0; i < n; i++) {
                    for (int r = 0; r < rows; r++) {
                        m.dequantizeRow(r, w, 0);
                        double mag = 0;
                        for (int c = 0; c < cols; c++) mag += Math.abs((double) w[c] * x[i * cols + c]);
                        float tol = (float) (2 * (cols + 8) * 0x1p-24 * mag);
                        assertEquals(m.dotRow(r, x, i * cols), y1[i * rows + r], tol, type + " rows " + rows + " n " + n + " input " + i + " row " + r);
                    }
                }
            }
        }
    }

    /**
     * For F32 weights the tiled product performs dotRow's operations in dotRow's order (FMA per lane, pairwise lane
     * sum, scalar tail), so prefill and decode agree bit for bit; callers such as activation patching rely on it.
     */
    @org.junit.jupiter.api.Test
    void f32TiledProductIsBitIdenticalToDotRow() {
        Random rnd = new Random(4);
        for (int cols : new int[]{64, 172, 300}) {
            int rows = 19, n = 6;
            WeightMatrix m = random(GGMLType.F32, rnd, rows, cols);
            float[] x = new float[n * cols];
            for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
            float[] y = new float[n * rows];
            m.matmul(THREE, x, cols, y, rows, n);
            for (int i = 0; i < n; i++)
                for (int r = 0; r < rows; r++) assertEquals(m.dotRow(r, x, i * cols), y[i * rows + r], 0f, cols + " cols, input " + i + " row " + r);
        }
    }

    /** Q, K and V in one fused step give exactly the three separate products. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q8_0", "Q4_K"})
    void fusedProductEqualsSeparateProducts(GGMLType type) {
        Random rnd = new Random(2);
        int cols = 512;
        WeightMatrix a = random(type, rnd, 40, cols), b = random(type, rnd, 16, cols), c = random(type, rnd, 16, cols);
        ThreadPool pool = THREE;
        for (ActivationMode mode : ActivationMode.values()) {
            for (int n : new int[]{1, 6}) {
                float[] x = new float[n * cols];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                float[] ya = new float[n * 40], yb = new float[n * 16], yc = new float[n * 16];
                WeightMatrix.matmul(pool, mode, x, cols, n, a, ya, b, yb, c, yc);
                float[] sa = new float[n * 40], sb = new float[n * 16], sc = new float[n * 16];
                a.matmul(pool, mode, x, cols, sa, 40, n);
                b.matmul(pool, mode, x, cols, sb, 16, n);
                c.matmul(pool, mode, x, cols, sc, 16, n);
                assertArrayEquals(sa, ya, mode + " n " + n);
                assertArrayEquals(sb, yb, mode + " n " + n);
                assertArrayEquals(sc, yc, mode + " n " + n);
                assertFalse(Arrays.equals(new float[n * 16], yc));
            }
        }
    }
}
