package dev.steer4j.tensor;

/**
 * Activation rows quantised to int8 blocks the way llama.cpp quantises the input of a matrix product with quantised
 * weights ({@code vec_dot_type}): {@link Kind#Q8_0} for Q8_0 and Q4_0 weights, {@link Kind#Q8_1} for Q4_1 and
 * {@link Kind#Q8_K} for the K-quants. The int8 kernels ({@link WeightMatrix#dotRowQ8}) then sum exact integer
 * products per block and scale each block sum once.
 * <ul>
 * <li>Q8_0 (x86 {@code quantize_row_q8_0}): blocks of 32, {@code d = max|x| / 127} stored as an IEEE half,
 *     {@code q = rint(x · 127 / max|x|)}.</li>
 * <li>Q8_1: as Q8_0, plus {@code s = half(d · Σq)} per block (Q4_1's offset term uses it).</li>
 * <li>Q8_K ({@code quantize_row_q8_K_ref}): blocks of 256, {@code iscale = -127 / x_max} where {@code x_max} is the
 *     value of largest magnitude, {@code q = min(127, nearest_int(iscale · x))}, {@code d = 1 / iscale} kept as a
 *     float, and {@code bsums} the sums of each 16 quants.</li>
 * </ul>
 * Instances are scratch buffers owned by one thread; {@link #quantize} overwrites them.
 */
public final class Q8Activations {
    /** The int8 block format. */
    public enum Kind {
        Q8_0(32), Q8_1(32), Q8_K(256);

        public final int block;

        Kind(int block) { this.block = block; }
    }

    Kind kind;
    int cols;
    int rows;
    byte[] q = new byte[0];
    /** Per block: the scale (Q8_0/Q8_1: half-rounded). */
    float[] d = new float[0];
    /** Q8_1 per block: half(d · Σq). */
    float[] s = new float[0];
    /** Q8_K per 16 quants: their sum. */
    int[] bsums = new int[0];

    public Kind kind() { return kind; }
    public int cols() { return cols; }
    public int rows() { return rows; }

    /** Quantises rows {@code x[xOff + i·xStride .. + cols)} for {@code i < n}. cols must be a multiple of the kind's block. */
    public Q8Activations quantize(Kind kind, float[] x, int xOff, int xStride, int n, int cols) {
        if (cols % kind.block != 0)
            throw new IllegalArgumentException("row length " + cols + " is not a multiple of the " + kind + " block " + kind.block);
        this.kind = kind;
        this.cols = cols;
        this.rows = n;
        int total = n * cols;
        if (q.length < total) q = new byte[total];
        int blocks = total / kind.block;
        if (d.length < blocks) d = new float[blocks];
        if (kind == Kind.Q8_1 && s.length < blocks) s = new float[blocks];
        if (kind == Kind.Q8_K && bsums.length < total / 16) bsums = new int[total / 16];
        for (int i = 0; i < n; i++) {
            int src = xOff + i * xStride, dst = i * cols;
            for (int b = 0; b < cols; b += kind.block) {
                if (kind == Kind.Q8_K) blockK(x, src + b, dst + b);
                else block32(x, src + b, dst + b, kind == Kind.Q8_1);
            }
        }
        return this;
    }

    private void block32(float[] x, int src, int dst, boolean withSum) {
        float amax = 0f;
        for (int j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[src + j]));
        float dd = amax / 127f;
        float id = amax != 0f ? 127f / amax : 0f;
        int sum = 0;
        for (int j = 0; j < 32; j++) {
            int v = (int) Math.rint(x[src + j] * id);
            q[dst + j] = (byte) v;
            sum += v;
        }
        int b = dst / 32;
        float dh = Float.float16ToFloat(Float.floatToFloat16(dd));
        d[b] = dh;
        if (withSum) s[b] = Float.float16ToFloat(Float.floatToFloat16(dd * sum));
    }

    private void blockK(float[] x, int src, int dst) {
        float max = 0f, amax = 0f;
        for (int j = 0; j < 256; j++) {
            float ax = Math.abs(x[src + j]);
            if (ax > amax) {
                amax = ax;
                max = x[src + j];
            }
        }
        int b = dst / 256;
        if (amax == 0f) {
            d[b] = 0f;
            java.util.Arrays.fill(q, dst, dst + 256, (byte) 0);
            java.util.Arrays.fill(bsums, dst / 16, dst / 16 + 16, 0);
            return;
        }
        float iscale = -127f / max;
        for (int j = 0; j < 256; j++) q[dst + j] = (byte) Math.min(127, Quantizer.nearestInt(iscale * x[src + j]));
        for (int g = 0; g < 16; g++) {
            int sum = 0;
            for (int j = 0; j < 16; j++) sum += q[dst + 16 * g + j];
            bsums[dst / 16 + g] = sum;
        }
        d[b] = 1f / iscale;
    }
}
