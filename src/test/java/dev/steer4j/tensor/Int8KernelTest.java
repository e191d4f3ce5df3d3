package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The int8-activation kernels ({@link WeightMatrix#dotRowQ8}) of every quantised type against a scalar twin that
 * decodes the weight quants and computes llama.cpp's formula (block scales × exact integer sums) in long and
 * double arithmetic.
 * <p>Tolerance: the kernel's block sums are exact integers; it rounds the product of the two block scales, one FMA
 * per block into each float lane, and the lane sum, so {@code |kernel - twin| <= (2·blocks + 2·L + 8)·u·M} where
 * {@code M = Σ |scale_w·scale_x·q_w·q_x|} and u = 2^-24. Decoding a nibble or a scale wrongly is an error of order M.
 */
class Int8KernelTest {
    private static float h(MemorySegment s, long off) {
        return Float.float16ToFloat(s.get(Blocks.I16, off));
    }

    private static int u8(MemorySegment s, long off) {
        return Blocks.u8(s, off);
    }

    /** [value, magnitude] of the int8 dot of row {@code row} with activation row {@code i}. */
    static double[] twin(GGMLType type, MemorySegment w, int row, int cols, Q8Activations a, int i) {
        double sum = 0, mag = 0;
        byte[] q = a.q;
        int xo = i * cols;
        switch (type) {
            case Q8_0, Q4_0, Q4_1 -> {
                int bytes = type == GGMLType.Q8_0 ? 34 : type == GGMLType.Q4_0 ? 18 : 20;
                int nb = cols / 32;
                for (int b = 0; b < nb; b++) {
                    long o = (long) (row * nb + b) * bytes;
                    long isum = 0, iabs = 0;
                    for (int j = 0; j < 32; j++) {
                        int qw = switch (type) {
                            case Q8_0 -> w.get(Blocks.I8, o + 2 + j);
                            case Q4_0 -> (j < 16 ? u8(w, o + 2 + j) & 15 : u8(w, o + 2 + j - 16) >> 4) - 8;
                            default -> j < 16 ? u8(w, o + 4 + j) & 15 : u8(w, o + 4 + j - 16) >> 4;
                        };
                        isum += (long) qw * q[xo + 32 * b + j];
                        iabs += Math.abs((long) qw * q[xo + 32 * b + j]);
                    }
                    double scale = (double) h(w, o) * a.d[i * nb + b];
                    sum += scale * isum;
                    mag += Math.abs(scale) * iabs;
                    if (type == GGMLType.Q4_1) {
                        sum += (double) h(w, o + 2) * a.s[i * nb + b];
                        mag += Math.abs((double) h(w, o + 2) * a.s[i * nb + b]);
                    }
                }
            }
            case Q4_K, Q5_K -> {
                int bytes = type == GGMLType.Q4_K ? 144 : 176;
                int nb = cols / 256;
                for (int s = 0; s < nb; s++) {
                    long o = (long) (row * nb + s) * bytes;
                    double dx = a.d[i * nb + s];
                    for (int sub = 0; sub < 8; sub++) {
                        int sm = Blocks.scaleMinK4(w, o + 4, sub);
                        long isum = 0, iabs = 0, xsum = 0;
                        for (int l = 0; l < 32; l++) {
                            int e = 32 * sub + l; // element within the super-block
                            int byteIdx = 32 * (sub / 2) + l;
                            int qw = type == GGMLType.Q4_K
                                    ? (sub % 2 == 0 ? u8(w, o + 16 + byteIdx) & 15 : u8(w, o + 16 + byteIdx) >> 4)
                                    : (sub % 2 == 0 ? u8(w, o + 48 + byteIdx) & 15 : u8(w, o + 48 + byteIdx) >> 4)
                                      + (((u8(w, o + 16 + l) >> sub) & 1) << 4);
                            int qx = q[xo + 256 * s + e];
                            isum += (long) qw * qx;
                            iabs += Math.abs((long) qw * qx);
                            xsum += qx;
                        }
                        double d = dx * h(w, o) * (sm & 0xFF), m = dx * h(w, o + 2) * (sm >>> 8);
                        sum += d * isum - m * xsum;
                        mag += Math.abs(d) * iabs + Math.abs(m * xsum);
                    }
                }
            }
            case Q6_K -> {
                int nb = cols / 256;
                for (int s = 0; s < nb; s++) {
                    long o = (long) (row * nb + s) * 210;
                    double d = (double) a.d[i * nb + s] * h(w, o + 208);
                    for (int e = 0; e < 256; e++) {
                        int half = e / 128, r = e % 128, quarter = r / 32, l = r % 32;
                        int ql = u8(w, o + 64 * half + (quarter % 2) * 32 + l);
                        int low = quarter < 2 ? ql & 15 : ql >> 4;
                        int hi = (u8(w, o + 128 + 32 * half + l) >> (2 * quarter)) & 3;
                        int qw = (low | hi << 4) - 32;
                        int sc = w.get(Blocks.I8, o + 192 + 8 * half + l / 16 + 2 * quarter);
                        long p = (long) sc * qw * q[xo + 256 * s + e];
                        sum += d * p;
                        mag += Math.abs(d * p);
                    }
                }
            }
            default -> throw new IllegalArgumentException(type.toString());
        }
        return new double[]{sum, mag};
    }

    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q8_0", "Q4_0", "Q4_1", "Q4_K", "Q5_K", "Q6_K"})
    void int8DotMatchesScalarTwin(GGMLType type) {
        Random rnd = new Random(11 + type.ordinal());
        for (int cols : type.blockSize() == 32 ? new int[]{32, 96, 544, 2080} : new int[]{256, 768, 2304}) {
            int rows = 5, n = 3;
            WeightMatrix m = WeightMatrix.of("t", type, MemorySegment.ofArray(Quantizer.quantize(type,
                    QuantKernelTest.randomValues(rnd, rows, cols, type.blockSize()), rows, cols)), rows, cols);
            float[] x = QuantKernelTest.randomValues(rnd, n, cols, type.blockSize());
            Q8Activations a = new Q8Activations().quantize(m.int8Kind(), x, 0, cols, n, cols);
            for (int i = 0; i < n; i++) {
                for (int r = 0; r < rows; r++) {
                    double[] t = twin(type, m.data(), r, cols, a, i);
                    float got = m.dotRowQ8(r, a, i);
                    double tol = (2.0 * cols / type.blockSize() + 2 * Blocks.L + 8) * 0x1p-24 * t[1];
                    if (!(Math.abs(got - t[0]) <= tol))
                        fail(String.format("%s %d cols row %d input %d: kernel %s, twin %s, |diff| %.3g > tol %.3g",
                                type, cols, r, i, got, t[0], Math.abs(got - t[0]), tol));
                }
            }
        }
    }

    /** The parallel int8 product (one and several input rows, fused with other matrices) equals the kernel. */
    @ParameterizedTest
    @EnumSource(value = GGMLType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void int8MatmulEqualsKernel(GGMLType type) {
        Random rnd = new Random(3);
        int rows = 37, cols = 512;
        WeightMatrix m = WeightMatrix.of("t", type, MemorySegment.ofArray(Quantizer.quantize(type,
                QuantKernelTest.randomValues(rnd, rows, cols, type.blockSize()), rows, cols)), rows, cols);
        ThreadPool pool = new ThreadPool(3);
        for (int n : new int[]{1, 5}) {
            float[] x = QuantKernelTest.randomValues(rnd, n, cols, 32);
            float[] y = new float[n * rows];
            m.matmul(pool, ActivationMode.INT8, x, cols, y, rows, n);
            Q8Activations a = new Q8Activations().quantize(m.int8Kind(), x, 0, cols, n, cols);
            for (int i = 0; i < n; i++)
                for (int r = 0; r < rows; r++) assertEquals(m.dotRowQ8(r, a, i), y[i * rows + r], 0f, "n " + n + " input " + i + " row " + r);
        }
    }

    /** llama.cpp's x86 Q8_0 rule: d = max|x|/127 rounded to a half, q = rint(x·127/max|x|) (ties to even). */
    @Test
    void q8_0QuantisationFollowsLlamaCpp() {
        float[] x = new float[32];
        x[0] = 1.27f;
        x[1] = -0.635f; // -63.5 -> -64 (ties to even)
        x[2] = 0.005f;  // 0.5 -> 0
        x[3] = 0.015f;  // 1.5 -> 2
        Q8Activations a = new Q8Activations().quantize(Q8Activations.Kind.Q8_1, x, 0, 32, 1, 32);
        assertEquals(127, a.q[0]);
        assertEquals(-64, a.q[1]);
        assertEquals(0, a.q[2]);
        assertEquals(2, a.q[3]);
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(0.01f)), a.d[0], 0f);
        // s = d·Σq in fp16, with d = max|x|/127 before its fp16 rounding and Σq = 127 - 64 + 0 + 2 = 65
        assertEquals(Float.float16ToFloat(Float.floatToFloat16(1.27f / 127f * 65)), a.s[0], 0f);
        assertEquals(0.6499, a.s[0], 1e-3);
        Q8Activations zero = new Q8Activations().quantize(Q8Activations.Kind.Q8_0, new float[32], 0, 32, 1, 32);
        assertEquals(0f, zero.d[0], 0f);
        assertEquals(0, zero.q[5]);
    }

    /** quantize_row_q8_K_ref: iscale = -127 / (the value of largest magnitude), q clamped at 127, d = 1/iscale, bsums. */
    @Test
    void q8_KQuantisationFollowsLlamaCpp() {
        float[] x = new float[256];
        x[0] = 2.54f;   // largest magnitude, positive: iscale = -50
        x[1] = -1.0f;   // -> 50
        x[17] = 0.5f;   // -> -25
        Q8Activations a = new Q8Activations().quantize(Q8Activations.Kind.Q8_K, x, 0, 256, 1, 256);
        assertEquals(-127, a.q[0]);
        assertEquals(50, a.q[1]);
        assertEquals(-25, a.q[17]);
        assertEquals(1f / (-127f / 2.54f), a.d[0], 0f);
        assertEquals(-127 + 50, a.bsums[0]);
        assertEquals(-25, a.bsums[1]);
        // the dequantised activation d·q has the sign of x
        assertEquals(2.54f, a.d[0] * a.q[0], 1e-6f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Q8Activations().quantize(Q8Activations.Kind.Q8_K, new float[100], 0, 100, 1, 100));
        assertEquals("row length 100 is not a multiple of the Q8_K block 256", e.getMessage());
    }
}
