package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;

/**
 * Reference quantisers for the supported storage types, following ggml's {@code quantize_row_*_ref} functions (the
 * ones llama-quantize uses when no importance matrix is given) operation for operation in float arithmetic, so that
 * the bytes match ggml's where ggml is built without fused multiply-add contraction.
 * <p>Used to synthesise test tensors and random-weight models of real shapes. Large tensors are quantised on the common
 * fork-join pool; the output does not depend on the split. Thread-safe.
 */
public final class Quantizer {
    private Quantizer() {}

    private static final int QK_K = 256;
    private static final float GROUP_MAX_EPS = 1e-15f;

    /**
     * Quantises a row-major {@code rows × cols} matrix to {@code type}, returning the tensor's bytes as ggml lays
     * them out (rows of whole blocks, little-endian).
     */
    public static byte[] quantize(GGMLType type, float[] values, int rows, int cols) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("negative shape " + rows + " x " + cols);
        if ((long) rows * cols != values.length)
            throw new IllegalArgumentException("shape " + rows + " x " + cols + " does not match " + values.length + " values");
        if (cols % type.blockSize() != 0)
            throw new IllegalArgumentException("row length " + cols + " is not a multiple of the " + type + " block size " + type.blockSize());
        switch (type) {
            case F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q4_K, Q5_K, Q6_K -> { }
            default -> throw new UnsupportedTensorTypeException("(quantize)", type);
        }
        long size = type.byteSize((long) rows * cols);
        if (size > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor of " + size + " bytes is too large");
        byte[] out = new byte[(int) size];
        int nBlocks = values.length / type.blockSize();
        // Blocks are independent, so large tensors are split across the common pool; the bytes do not depend on it.
        int chunk = Math.max(1, PARALLEL_CHUNK_VALUES / type.blockSize());
        if (nBlocks <= chunk) {
            quantizeBlocks(type, values, out, 0, nBlocks);
        } else {
            int chunks = (nBlocks + chunk - 1) / chunk;
            java.util.stream.IntStream.range(0, chunks).parallel().forEach(c ->
                    quantizeBlocks(type, values, out, c * chunk, Math.min(nBlocks, (c + 1) * chunk)));
        }
        return out;
    }

    private static final int PARALLEL_CHUNK_VALUES = 1 << 18;

    /** Quantises blocks [from, to) of the flattened values into their places in out. */
    private static void quantizeBlocks(GGMLType type, float[] values, byte[] out, int from, int to) {
        switch (type) {
            case F32 -> { for (int i = from; i < to; i++) putInt(out, 4 * i, Float.floatToRawIntBits(values[i])); }
            case F16 -> { for (int i = from; i < to; i++) putShort(out, 2 * i, Float.floatToFloat16(values[i])); }
            case BF16 -> { for (int i = from; i < to; i++) putShort(out, 2 * i, toBF16(values[i])); }
            case Q8_0 -> { for (int b = from; b < to; b++) q8_0(values, 32 * b, out, 34 * b); }
            case Q4_0 -> { for (int b = from; b < to; b++) q4_0(values, 32 * b, out, 18 * b); }
            case Q4_1 -> { for (int b = from; b < to; b++) q4_1(values, 32 * b, out, 20 * b); }
            case Q4_K -> { var s = new KScratch(); for (int b = from; b < to; b++) q4_K(values, QK_K * b, out, 144 * b, s); }
            case Q5_K -> { var s = new KScratch(); for (int b = from; b < to; b++) q5_K(values, QK_K * b, out, 176 * b, s); }
            case Q6_K -> { var s = new KScratch(); for (int b = from; b < to; b++) q6_K(values, QK_K * b, out, 210 * b, s); }
            default -> throw new UnsupportedTensorTypeException("(quantize)", type);
        }
    }

    // ---- scalar helpers with ggml's exact semantics ----

    /** ggml_compute_fp32_to_bf16: round to nearest even, NaNs made quiet. */
    static short toBF16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }

    /** ggml's nearest_int: round half to even via the 1.5·2^23 trick (valid for |x| ≤ 2^22). */
    static int nearestInt(float f) {
        float v = f + 12582912f;
        return (Float.floatToRawIntBits(v) & 0x007fffff) - 0x00400000;
    }

    /** C's roundf: round half away from zero. */
    static float roundf(float f) {
        double r = Math.floor(Math.abs((double) f) + 0.5);
        return (float) Math.copySign(r, f);
    }

    /** float → IEEE half → float, as ggml stores and re-reads a scale. */
    private static float viaHalf(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    private static void putShort(byte[] b, int off, short v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
    }

    private static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >> 8);
        b[off + 2] = (byte) (v >> 16);
        b[off + 3] = (byte) (v >> 24);
    }

    private static void putHalf(byte[] b, int off, float f) {
        putShort(b, off, Float.floatToFloat16(f));
    }

    // ---- 32-value block types ----

    private static void q8_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[xo + j]));
        float d = amax / 127;
        float id = d != 0f ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 32; j++) y[yo + 2 + j] = (byte) (int) roundf(x[xo + j] * id);
    }

    private static void q4_0(float[] x, int xo, byte[] y, int yo) {
        float amax = 0f, max = 0f;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (amax < Math.abs(v)) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8;
        float id = d != 0f ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        for (int j = 0; j < 16; j++) {
            float x0 = x[xo + j] * id;
            float x1 = x[xo + 16 + j] * id;
            int xi0 = Math.min(15, (byte) (int) (x0 + 8.5f));
            int xi1 = Math.min(15, (byte) (int) (x1 + 8.5f));
            y[yo + 2 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    private static void q4_1(float[] x, int xo, byte[] y, int yo) {
        float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
        for (int j = 0; j < 32; j++) {
            float v = x[xo + j];
            if (v < min) min = v;
            if (v > max) max = v;
        }
        float d = (max - min) / ((1 << 4) - 1);
        float id = d != 0f ? 1.0f / d : 0.0f;
        putHalf(y, yo, d);
        putHalf(y, yo + 2, min);
        for (int j = 0; j < 16; j++) {
            float x0 = (x[xo + j] - min) * id;
            float x1 = (x[xo + 16 + j] - min) * id;
            int xi0 = Math.min(15, (byte) (int) (x0 + 0.5f));
            int xi1 = Math.min(15, (byte) (int) (x1 + 0.5f));
            y[yo + 4 + j] = (byte) (xi0 | xi1 << 4);
        }
    }

    // ---- k-quants ----

    /** Per-call scratch for the super-block quantisers. */
    private static final class KScratch {
        final int[] L = new int[QK_K];
        final int[] Laux = new int[32];
        final float[] weights = new float[32];
        final float[] scales = new float[QK_K / 16];
        final float[] mins = new float[QK_K / 16];
        final float[] theMin = new float[1];
    }

    /**
     * ggml's make_qkx2_quants: fits {@code x ≈ scale·L - min} with {@code L ∈ [0, nmax]}, searching the scale around
     * {@code nmax / (max - min)} to minimise the weighted error. Returns the scale; writes {@code min} to theMin[0].
     */
    private static float makeQkx2Quants(int n, int nmax, float[] x, int xo, float[] weights, int[] L, int lo,
                                        float[] theMin, int[] Laux, float rmin, float rdelta, int nstep, boolean useMad) {
        float min = x[xo], max = x[xo];
        float sumW = weights[0];
        float sumX = sumW * x[xo];
        for (int i = 1; i < n; i++) {
            float xi = x[xo + i];
            if (xi < min) min = xi;
            if (xi > max) max = xi;
            float w = weights[i];
            sumW += w;
            sumX += w * xi;
        }
        if (min > 0) min = 0;
        if (max == min) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            theMin[0] = -min;
            return 0f;
        }
        float iscale = nmax / (max - min);
        float scale = 1 / iscale;
        float bestError = 0;
        for (int i = 0; i < n; i++) {
            int l = nearestInt(iscale * (x[xo + i] - min));
            L[lo + i] = Math.max(0, Math.min(nmax, l));
            float diff = scale * L[lo + i] + min - x[xo + i];
            diff = useMad ? Math.abs(diff) : diff * diff;
            bestError += weights[i] * diff;
        }
        if (nstep < 1) {
            theMin[0] = -min;
            return scale;
        }
        for (int is = 0; is <= nstep; is++) {
            iscale = (rmin + rdelta * is + nmax) / (max - min);
            float sumL = 0, sumL2 = 0, sumXL = 0;
            for (int i = 0; i < n; i++) {
                int l = nearestInt(iscale * (x[xo + i] - min));
                l = Math.max(0, Math.min(nmax, l));
                Laux[i] = l;
                float w = weights[i];
                sumL += w * l;
                sumL2 += w * l * l;
                sumXL += w * l * x[xo + i];
            }
            float D = sumW * sumL2 - sumL * sumL;
            if (D > 0) {
                float thisScale = (sumW * sumXL - sumX * sumL) / D;
                float thisMin = (sumL2 * sumX - sumL * sumXL) / D;
                if (thisMin > 0) {
                    thisMin = 0;
                    thisScale = sumXL / sumL2;
                }
                float curError = 0;
                for (int i = 0; i < n; i++) {
                    float diff = thisScale * Laux[i] + thisMin - x[xo + i];
                    diff = useMad ? Math.abs(diff) : diff * diff;
                    curError += weights[i] * diff;
                }
                if (curError < bestError) {
                    for (int i = 0; i < n; i++) L[lo + i] = Laux[i];
                    bestError = curError;
                    scale = thisScale;
                    min = thisMin;
                }
            }
        }
        theMin[0] = -min;
        return scale;
    }

    /**
     * ggml's make_qx_quants with rmse_type 1 and no importance weights (weights x²): fits {@code x ≈ scale·(L - nmax)}
     * with {@code L ∈ [0, 2·nmax)}, trying 18 scales around {@code -nmax / max}. Returns the scale.
     */
    private static float makeQxQuants(int n, int nmax, float[] x, int xo, int[] L, int lo) {
        float max = 0, amax = 0;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        float iscale = -nmax / max;
        float sumlx = 0, suml2 = 0;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = nearestInt(iscale * xi);
            l = Math.max(-nmax, Math.min(nmax - 1, l));
            L[lo + i] = l + nmax;
            float w = xi * xi;
            sumlx += w * xi * l;
            suml2 += w * l * l;
        }
        float scale = suml2 != 0f ? sumlx / suml2 : 0.0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = suml2 = 0;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = nearestInt(iscale * xi);
                l = Math.max(-nmax, Math.min(nmax - 1, l));
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = nearestInt(iscale * x[xo + i]);
                    L[lo + i] = nmax + Math.max(-nmax, Math.min(nmax - 1, l));
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * The shared front half of quantize_row_q4_K_ref / q5_K_ref: per 32-value sub-block fits scale and min with
     * make_qkx2_quants, quantises them to 6 bits against the super-block maxima, packs them into the 12-byte scales
     * field at y[yo + 4..] and writes d and dmin; then requantises L with the stored scales.
     */
    private static void kScalesMins(float[] x, int xo, byte[] y, int yo, KScratch s, int nmax, float rmin, float rdelta, int nstep) {
        int[] L = s.L;
        float[] weights = s.weights, scales = s.scales, mins = s.mins;
        float maxScale = 0, maxMin = 0;
        for (int j = 0; j < QK_K / 32; j++) {
            float sumX2 = 0;
            for (int l = 0; l < 32; l++) sumX2 += x[xo + 32 * j + l] * x[xo + 32 * j + l];
            float avX = (float) Math.sqrt(sumX2 / 32);
            for (int l = 0; l < 32; l++) weights[l] = avX + Math.abs(x[xo + 32 * j + l]);
            scales[j] = makeQkx2Quants(32, nmax, x, xo + 32 * j, weights, L, 32 * j, s.theMin, s.Laux, rmin, rdelta, nstep, false);
            mins[j] = s.theMin[0];
            if (scales[j] > maxScale) maxScale = scales[j];
            if (mins[j] > maxMin) maxMin = mins[j];
        }
        float invScale = maxScale > 0 ? 63.f / maxScale : 0.f;
        float invMin = maxMin > 0 ? 63.f / maxMin : 0.f;
        int sc = yo + 4;
        for (int j = 0; j < QK_K / 32; j++) {
            int ls = Math.min(63, nearestInt(invScale * scales[j]) & 0xFF);
            int lm = Math.min(63, nearestInt(invMin * mins[j]) & 0xFF);
            if (j < 4) {
                y[sc + j] = (byte) ls;
                y[sc + j + 4] = (byte) lm;
            } else {
                y[sc + j + 4] = (byte) ((ls & 0xF) | ((lm & 0xF) << 4));
                y[sc + j - 4] |= (byte) ((ls >> 4) << 6);
                y[sc + j] |= (byte) ((lm >> 4) << 6);
            }
        }
        putHalf(y, yo, maxScale / 63.f);
        putHalf(y, yo + 2, maxMin / 63.f);
        float dAll = viaHalf(maxScale / 63.f), dminAll = viaHalf(maxMin / 63.f);
        for (int j = 0; j < QK_K / 32; j++) {
            int sm = Blocks.scaleMinK4(y, sc, j);
            float d = dAll * (sm & 0xFF);
            if (d == 0f) continue;
            float dm = dminAll * (sm >>> 8);
            for (int ii = 0; ii < 32; ii++) {
                int l = nearestInt((x[xo + 32 * j + ii] + dm) / d);
                L[32 * j + ii] = Math.max(0, Math.min(nmax, l));
            }
        }
    }

    private static void q4_K(float[] x, int xo, byte[] y, int yo, KScratch s) {
        kScalesMins(x, xo, y, yo, s, 15, -1.f, 0.1f, 20);
        int[] L = s.L;
        int q = yo + 16;
        for (int j = 0; j < QK_K; j += 64) {
            for (int l = 0; l < 32; l++) y[q + l] = (byte) (L[j + l] | (L[j + l + 32] << 4));
            q += 32;
        }
    }

    private static void q5_K(float[] x, int xo, byte[] y, int yo, KScratch s) {
        kScalesMins(x, xo, y, yo, s, 31, -0.5f, 0.1f, 15);
        int[] L = s.L;
        int qh = yo + 16, ql = yo + 48;
        int m1 = 1, m2 = 2;
        for (int n = 0; n < QK_K; n += 64) {
            for (int j = 0; j < 32; j++) {
                int l1 = L[n + j];
                if (l1 > 15) {
                    l1 -= 16;
                    y[qh + j] |= (byte) m1;
                }
                int l2 = L[n + j + 32];
                if (l2 > 15) {
                    l2 -= 16;
                    y[qh + j] |= (byte) m2;
                }
                y[ql + j] = (byte) (l1 | (l2 << 4));
            }
            m1 <<= 2;
            m2 <<= 2;
            ql += 32;
        }
    }

    private static void q6_K(float[] x, int xo, byte[] y, int yo, KScratch s) {
        int[] L = s.L;
        float[] scales = s.scales;
        float maxScale = 0, maxAbsScale = 0;
        for (int ib = 0; ib < QK_K / 16; ib++) {
            float scale = makeQxQuants(16, 32, x, xo + 16 * ib, L, 16 * ib);
            scales[ib] = scale;
            float abs = Math.abs(scale);
            if (abs > maxAbsScale) {
                maxAbsScale = abs;
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            java.util.Arrays.fill(y, yo, yo + 210, (byte) 0);
            return;
        }
        float iscale = -128.f / maxScale;
        putHalf(y, yo + 208, 1 / iscale);
        float dAll = viaHalf(1 / iscale);
        for (int ib = 0; ib < QK_K / 16; ib++) y[yo + 192 + ib] = (byte) Math.min(127, nearestInt(iscale * scales[ib]));
        for (int j = 0; j < QK_K / 16; j++) {
            float d = dAll * y[yo + 192 + j];
            if (d == 0f) continue;
            for (int ii = 0; ii < 16; ii++) {
                int l = nearestInt(x[xo + 16 * j + ii] / d);
                L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
            }
        }
        int ql = yo, qh = yo + 128;
        for (int j = 0; j < QK_K; j += 128) {
            for (int l = 0; l < 32; l++) {
                int q1 = L[j + l] & 0xF, q2 = L[j + l + 32] & 0xF, q3 = L[j + l + 64] & 0xF, q4 = L[j + l + 96] & 0xF;
                y[ql + l] = (byte) (q1 | (q3 << 4));
                y[ql + l + 32] = (byte) (q2 | (q4 << 4));
                y[qh + l] = (byte) ((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6));
            }
            ql += 64;
            qh += 32;
        }
    }
}
