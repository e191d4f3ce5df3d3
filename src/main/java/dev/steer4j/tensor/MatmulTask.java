package dev.steer4j.tensor;

import jdk.incubator.vector.FloatVector;

import java.util.Arrays;

import static dev.steer4j.tensor.Blocks.F;
import static dev.steer4j.tensor.Blocks.L;

/**
 * One matrix product (or two or three sharing their input) split over a {@link ThreadPool}: the reusable job object
 * that keeps dispatch free of allocation. Each calling thread owns one (a lambda capturing the call's arguments would
 * be a new object per call).
 * <p>Work units are weight rows for a single input row (the fused dot kernel of the storage type) and tiles of
 * {@link #TILE} weight rows for several input rows. A tile is dequantised once into a per-thread panel
 * ({@link WeightMatrix#dequantizeRowFast}) and every group of four input rows is multiplied against it by a 4×4
 * register-blocked kernel, so each weight is decoded once per call instead of once per input row, and each input
 * vector load feeds four FMAs. Results are deterministic: each output is computed by one thread, in a fixed order.
 */
final class MatmulTask implements ThreadPool.RangeBody {
    /** Weight rows dequantised together for the tiled product. */
    static final int TILE = 8;
    private static final int MAX = 3;

    private static final ThreadLocal<MatmulTask> TASKS = ThreadLocal.withInitial(MatmulTask::new);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final WeightMatrix[] m = new WeightMatrix[MAX];
    private final float[][] y = new float[MAX][];
    private final int[] yOff = new int[MAX];
    private final int[] yStride = new int[MAX];
    private final int[] unitEnd = new int[MAX];
    private int count;
    private float[] x;
    private int xOff, xStride, n;
    private boolean inUse;
    private ActivationMode mode = ActivationMode.FLOAT;
    /** Quantised activations by kind, for the current call (int8 mode). */
    private final Q8Activations[] q8 = new Q8Activations[Q8Activations.Kind.values().length];
    private final Q8Activations[] q8Of = new Q8Activations[MAX];
    /**
     * The input rows transposed for the wide kernel: xT[k·nPad + i] = x[i][k], rows padded with zeros to
     * {@code nPad} (a multiple of the lane count); null when the call does not use the wide kernel.
     */
    private float[] xT, xTBuffer = new float[0];
    private int nPad;

    /** The calling thread's task (a fresh one if the thread's own is in use further up its stack). */
    static MatmulTask get() {
        MatmulTask t = TASKS.get();
        return t.inUse ? new MatmulTask() : t;
    }

    MatmulTask clear() {
        count = 0;
        return this;
    }

    MatmulTask one(WeightMatrix w, float[] out, int outOff, int outStride) {
        return clear().with(w, out, outOff, outStride);
    }

    MatmulTask with(WeightMatrix w, float[] out, int outOff, int outStride) {
        if (count == MAX) throw new IllegalStateException("at most " + MAX + " matrices per step");
        m[count] = w;
        y[count] = out;
        yOff[count] = outOff;
        yStride[count] = outStride;
        count++;
        return this;
    }

    /** Runs the product of the registered matrices with n input rows x[xOff + i·xStride ..]. */
    void run(ThreadPool pool, ActivationMode mode, float[] x, int xOff, int xStride, int n) {
        if (n <= 0) {
            clear();
            return;
        }
        int cols = m[0].cols;
        for (int k = 1; k < count; k++)
            if (m[k].cols != cols) throw new IllegalArgumentException("fused matrices differ in width: " + m[0] + ", " + m[k]);
        this.x = x;
        this.xOff = xOff;
        this.xStride = xStride;
        this.n = n;
        this.mode = mode;
        if (mode == ActivationMode.INT8) {
            int done = 0; // bit per kind quantised in this call
            for (int k = 0; k < count; k++) {
                Q8Activations.Kind kind = m[k].int8Kind();
                if (kind == null) {
                    q8Of[k] = null;
                    continue;
                }
                Q8Activations a = q8[kind.ordinal()];
                if (a == null) q8[kind.ordinal()] = a = new Q8Activations();
                if ((done & (1 << kind.ordinal())) == 0) {
                    a.quantize(kind, x, xOff, xStride, n, cols);
                    done |= 1 << kind.ordinal();
                }
                q8Of[k] = a;
            }
        }
        xT = null;
        if (mode != ActivationMode.INT8 && n >= WIDE_MIN_ROWS && WIDE) {
            boolean any = false;
            for (int k = 0; k < count; k++) any |= m[k].type() != dev.steer4j.format.gguf.GGMLType.F32;
            if (any) transposeInput(cols);
        }
        int units = 0;
        long work = 0;
        for (int k = 0; k < count; k++) {
            units += n == 1 ? m[k].rows : (m[k].rows + TILE - 1) / TILE;
            unitEnd[k] = units;
            work += (long) m[k].rows * m[k].cols * n;
        }
        inUse = true;
        try {
            pool.parallelFor(units, this, work);
        } finally {
            inUse = false;
            this.x = null;
            this.xT = null;
            for (int k = 0; k < count; k++) {
                m[k] = null;
                y[k] = null;
                q8Of[k] = null;
            }
            count = 0;
        }
    }

    @Override
    public void run(int start, int end) {
        for (int k = 0; k < count; k++) {
            int u0 = k == 0 ? 0 : unitEnd[k - 1];
            int s = Math.max(start, u0), e = Math.min(end, unitEnd[k]);
            if (s >= e) continue;
            WeightMatrix w = m[k];
            Q8Activations a = mode == ActivationMode.INT8 ? q8Of[k] : null;
            if (a != null) {
                float[] out = y[k];
                int off = yOff[k], stride = yStride[k];
                int per = n == 1 ? 1 : TILE;
                for (int r = (s - u0) * per, r1 = Math.min(w.rows, (e - u0) * per); r < r1; r++)
                    for (int i = 0; i < n; i++) out[off + i * stride + r] = w.dotRowQ8(r, a, i);
            } else if (n == 1) {
                float[] out = y[k];
                int off = yOff[k];
                for (int r = s - u0, r1 = e - u0; r < r1; r++) out[off + r] = w.dotRow(r, x, xOff);
            } else {
                tiled(w, y[k], yOff[k], yStride[k], (s - u0) * TILE, Math.min(w.rows, (e - u0) * TILE));
            }
        }
    }

    /** Input rows from which the wide kernel is used (quantised and half-precision weights, float activations). */
    static final int WIDE_MIN_ROWS = Integer.getInteger("steer4j.wideMinRows", 16);
    /** The wide kernel needs 16 float lanes (AVX-512); {@code -Dsteer4j.wide=false} turns it off. */
    static final boolean WIDE = L == 16 && Boolean.parseBoolean(System.getProperty("steer4j.wide", "true"));

    /** Fills {@link #xT} with the n input rows transposed (k-major), padded with zero rows to a multiple of L. */
    private void transposeInput(int cols) {
        nPad = (n + L - 1) / L * L;
        int size = nPad * cols;
        if (xTBuffer.length < size) xTBuffer = new float[size];
        float[] t = xTBuffer;
        for (int i = 0; i < n; i++) {
            int src = xOff + i * xStride;
            for (int k = 0; k < cols; k++) t[k * nPad + i] = x[src + k];
        }
        for (int i = n; i < nPad; i++)
            for (int k = 0; k < cols; k++) t[k * nPad + i] = 0f;
        xT = t;
    }

    /** Rows [r0, r1) of the product for every input row, a tile at a time. */
    private void tiled(WeightMatrix w, float[] out, int outOff, int outStride, int r0, int r1) {
        int cols = w.cols;
        Scratch sc = SCRATCH.get();
        float[] panel = sc.panel(TILE * cols);
        float[] sums = sc.sums;
        boolean wide = xT != null && w.type() != dev.steer4j.format.gguf.GGMLType.F32;
        for (int r = r0; r < r1; r += TILE) {
            int tr = Math.min(TILE, r1 - r);
            for (int k = 0; k < tr; k++) w.dequantizeRowFast(r + k, panel, k * cols);
            if (tr < TILE) Arrays.fill(panel, tr * cols, TILE * cols, 0f);
            if (wide) {
                int i = 0;
                for (; i + 2 * L <= nPad; i += 2 * L) {
                    kernel8x32(panel, cols, xT, nPad, i, sc.wide);
                    store(sc.wide, 2, out, outOff, outStride, r, tr, i);
                }
                if (i < nPad) {
                    kernel8x16(panel, cols, xT, nPad, i, sc.wide);
                    store(sc.wide, 1, out, outOff, outStride, r, tr, i);
                }
                continue;
            }
            int i = 0;
            for (; i + 4 <= n; i += 4) {
                for (int h = 0; h < tr; h += 4) {
                    kernel4x4(panel, h * cols, cols, x, xOff + i * xStride, xStride, sums);
                    int rows = Math.min(4, tr - h);
                    for (int b = 0; b < 4; b++) {
                        int o = outOff + (i + b) * outStride + r + h;
                        for (int a = 0; a < rows; a++) out[o + a] = sums[4 * a + b];
                    }
                }
            }
            for (; i < n; i++) {
                for (int h = 0; h < tr; h += 4) {
                    kernel4x1(panel, h * cols, cols, x, xOff + i * xStride, sums);
                    int rows = Math.min(4, tr - h);
                    int o = outOff + i * outStride + r + h;
                    for (int a = 0; a < rows; a++) out[o + a] = sums[a];
                }
            }
        }
    }

    /**
     * sums[4a + b] = p[pOff + a·cols ..] · x[xOff + b·xStride ..] over cols, for a, b in 0..3: sixteen
     * accumulators, four weight and four input loads per sixteen FMAs. Lanes are summed in a fixed order.
     */
    static void kernel4x4(float[] p, int pOff, int cols, float[] x, int xOff, int xStride, float[] sums) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        FloatVector a20 = a00, a21 = a00, a22 = a00, a23 = a00;
        FloatVector a30 = a00, a31 = a00, a32 = a00, a33 = a00;
        int p0 = pOff, p1 = p0 + cols, p2 = p1 + cols, p3 = p2 + cols;
        int x0 = xOff, x1 = x0 + xStride, x2 = x1 + xStride, x3 = x2 + xStride;
        int upper = F.loopBound(cols);
        for (int k = 0; k < upper; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + k), v1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + k), v3 = FloatVector.fromArray(F, x, x3 + k);
            FloatVector w = FloatVector.fromArray(F, p, p0 + k);
            a00 = w.fma(v0, a00); a01 = w.fma(v1, a01); a02 = w.fma(v2, a02); a03 = w.fma(v3, a03);
            w = FloatVector.fromArray(F, p, p1 + k);
            a10 = w.fma(v0, a10); a11 = w.fma(v1, a11); a12 = w.fma(v2, a12); a13 = w.fma(v3, a13);
            w = FloatVector.fromArray(F, p, p2 + k);
            a20 = w.fma(v0, a20); a21 = w.fma(v1, a21); a22 = w.fma(v2, a22); a23 = w.fma(v3, a23);
            w = FloatVector.fromArray(F, p, p3 + k);
            a30 = w.fma(v0, a30); a31 = w.fma(v1, a31); a32 = w.fma(v2, a32); a33 = w.fma(v3, a33);
        }
        // VectorMath.sum's pairwise lane tree, written out: a call taking a vector could box it in this large method
        if (L > 8) {
            a00 = a00.add(a00.rearrange(VectorMath.SWAP8));
            a01 = a01.add(a01.rearrange(VectorMath.SWAP8));
            a02 = a02.add(a02.rearrange(VectorMath.SWAP8));
            a03 = a03.add(a03.rearrange(VectorMath.SWAP8));
            a10 = a10.add(a10.rearrange(VectorMath.SWAP8));
            a11 = a11.add(a11.rearrange(VectorMath.SWAP8));
            a12 = a12.add(a12.rearrange(VectorMath.SWAP8));
            a13 = a13.add(a13.rearrange(VectorMath.SWAP8));
            a20 = a20.add(a20.rearrange(VectorMath.SWAP8));
            a21 = a21.add(a21.rearrange(VectorMath.SWAP8));
            a22 = a22.add(a22.rearrange(VectorMath.SWAP8));
            a23 = a23.add(a23.rearrange(VectorMath.SWAP8));
            a30 = a30.add(a30.rearrange(VectorMath.SWAP8));
            a31 = a31.add(a31.rearrange(VectorMath.SWAP8));
            a32 = a32.add(a32.rearrange(VectorMath.SWAP8));
            a33 = a33.add(a33.rearrange(VectorMath.SWAP8));
        }
        if (L > 4) {
            a00 = a00.add(a00.rearrange(VectorMath.SWAP4));
            a01 = a01.add(a01.rearrange(VectorMath.SWAP4));
            a02 = a02.add(a02.rearrange(VectorMath.SWAP4));
            a03 = a03.add(a03.rearrange(VectorMath.SWAP4));
            a10 = a10.add(a10.rearrange(VectorMath.SWAP4));
            a11 = a11.add(a11.rearrange(VectorMath.SWAP4));
            a12 = a12.add(a12.rearrange(VectorMath.SWAP4));
            a13 = a13.add(a13.rearrange(VectorMath.SWAP4));
            a20 = a20.add(a20.rearrange(VectorMath.SWAP4));
            a21 = a21.add(a21.rearrange(VectorMath.SWAP4));
            a22 = a22.add(a22.rearrange(VectorMath.SWAP4));
            a23 = a23.add(a23.rearrange(VectorMath.SWAP4));
            a30 = a30.add(a30.rearrange(VectorMath.SWAP4));
            a31 = a31.add(a31.rearrange(VectorMath.SWAP4));
            a32 = a32.add(a32.rearrange(VectorMath.SWAP4));
            a33 = a33.add(a33.rearrange(VectorMath.SWAP4));
        }
        if (L > 2) {
            a00 = a00.add(a00.rearrange(VectorMath.SWAP2));
            a01 = a01.add(a01.rearrange(VectorMath.SWAP2));
            a02 = a02.add(a02.rearrange(VectorMath.SWAP2));
            a03 = a03.add(a03.rearrange(VectorMath.SWAP2));
            a10 = a10.add(a10.rearrange(VectorMath.SWAP2));
            a11 = a11.add(a11.rearrange(VectorMath.SWAP2));
            a12 = a12.add(a12.rearrange(VectorMath.SWAP2));
            a13 = a13.add(a13.rearrange(VectorMath.SWAP2));
            a20 = a20.add(a20.rearrange(VectorMath.SWAP2));
            a21 = a21.add(a21.rearrange(VectorMath.SWAP2));
            a22 = a22.add(a22.rearrange(VectorMath.SWAP2));
            a23 = a23.add(a23.rearrange(VectorMath.SWAP2));
            a30 = a30.add(a30.rearrange(VectorMath.SWAP2));
            a31 = a31.add(a31.rearrange(VectorMath.SWAP2));
            a32 = a32.add(a32.rearrange(VectorMath.SWAP2));
            a33 = a33.add(a33.rearrange(VectorMath.SWAP2));
        }
        if (L > 1) {
            a00 = a00.add(a00.rearrange(VectorMath.SWAP1));
            a01 = a01.add(a01.rearrange(VectorMath.SWAP1));
            a02 = a02.add(a02.rearrange(VectorMath.SWAP1));
            a03 = a03.add(a03.rearrange(VectorMath.SWAP1));
            a10 = a10.add(a10.rearrange(VectorMath.SWAP1));
            a11 = a11.add(a11.rearrange(VectorMath.SWAP1));
            a12 = a12.add(a12.rearrange(VectorMath.SWAP1));
            a13 = a13.add(a13.rearrange(VectorMath.SWAP1));
            a20 = a20.add(a20.rearrange(VectorMath.SWAP1));
            a21 = a21.add(a21.rearrange(VectorMath.SWAP1));
            a22 = a22.add(a22.rearrange(VectorMath.SWAP1));
            a23 = a23.add(a23.rearrange(VectorMath.SWAP1));
            a30 = a30.add(a30.rearrange(VectorMath.SWAP1));
            a31 = a31.add(a31.rearrange(VectorMath.SWAP1));
            a32 = a32.add(a32.rearrange(VectorMath.SWAP1));
            a33 = a33.add(a33.rearrange(VectorMath.SWAP1));
        }
        float[] r = sums;
        r[0] = a00.lane(0);
        r[1] = a01.lane(0);
        r[2] = a02.lane(0);
        r[3] = a03.lane(0);
        r[4] = a10.lane(0);
        r[5] = a11.lane(0);
        r[6] = a12.lane(0);
        r[7] = a13.lane(0);
        r[8] = a20.lane(0);
        r[9] = a21.lane(0);
        r[10] = a22.lane(0);
        r[11] = a23.lane(0);
        r[12] = a30.lane(0);
        r[13] = a31.lane(0);
        r[14] = a32.lane(0);
        r[15] = a33.lane(0);
        int upper2 = upper;
        if (upper2 < cols) {
            for (int j = 0; j < 16; j++) {
                int a = j >> 2, b = j & 3;
                float sum = r[j];
                for (int k = upper2; k < cols; k++) sum += p[pOff + a * cols + k] * x[xOff + b * xStride + k];
                r[j] = sum;
            }
        }
    }

    /** sums[a] = p[pOff + a·cols ..] · x[xOff ..] over cols, for a in 0..3. */
    static void kernel4x1(float[] p, int pOff, int cols, float[] x, int xOff, float[] sums) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int p0 = pOff, p1 = p0 + cols, p2 = p1 + cols, p3 = p2 + cols;
        int upper = F.loopBound(cols);
        for (int k = 0; k < upper; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, xOff + k);
            a0 = FloatVector.fromArray(F, p, p0 + k).fma(v, a0);
            a1 = FloatVector.fromArray(F, p, p1 + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, p, p2 + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, p, p3 + k).fma(v, a3);
        }
        if (L > 8) {
            a0 = a0.add(a0.rearrange(VectorMath.SWAP8)); a1 = a1.add(a1.rearrange(VectorMath.SWAP8)); a2 = a2.add(a2.rearrange(VectorMath.SWAP8)); a3 = a3.add(a3.rearrange(VectorMath.SWAP8));
        }
        if (L > 4) {
            a0 = a0.add(a0.rearrange(VectorMath.SWAP4)); a1 = a1.add(a1.rearrange(VectorMath.SWAP4)); a2 = a2.add(a2.rearrange(VectorMath.SWAP4)); a3 = a3.add(a3.rearrange(VectorMath.SWAP4));
        }
        if (L > 2) {
            a0 = a0.add(a0.rearrange(VectorMath.SWAP2)); a1 = a1.add(a1.rearrange(VectorMath.SWAP2)); a2 = a2.add(a2.rearrange(VectorMath.SWAP2)); a3 = a3.add(a3.rearrange(VectorMath.SWAP2));
        }
        if (L > 1) {
            a0 = a0.add(a0.rearrange(VectorMath.SWAP1)); a1 = a1.add(a1.rearrange(VectorMath.SWAP1)); a2 = a2.add(a2.rearrange(VectorMath.SWAP1)); a3 = a3.add(a3.rearrange(VectorMath.SWAP1));
        }
        sums[0] = a0.lane(0);
        sums[1] = a1.lane(0);
        sums[2] = a2.lane(0);
        sums[3] = a3.lane(0);
        for (int a = 0; a < 4; a++)
            for (int k = upper; k < cols; k++) sums[a] += p[pOff + a * cols + k] * x[xOff + k];
    }

    /** Writes the wide kernel's results (res[(a·vectors + v)·L + lane] for weight row r + a, input i + v·L + lane). */
    private void store(float[] res, int vectors, float[] out, int outOff, int outStride, int r, int tr, int i) {
        for (int v = 0; v < vectors; v++) {
            for (int lane = 0; lane < L; lane++) {
                int in = i + v * L + lane;
                if (in >= n) return;
                int o = outOff + in * outStride + r;
                for (int a = 0; a < tr; a++) out[o + a] = res[(a * vectors + v) * L + lane];
            }
        }
    }

    /**
     * The wide kernel (outer product): for the 8 panel rows and 32 inputs starting at {@code i}, acc[a][v] +=
     * broadcast(p[a][k]) · xT[k][i + 16v ..] over all k: sixteen accumulators whose lanes are inputs, two input and
     * eight weight loads per sixteen FMAs, and no lane sums at the end. Each output is a plain sequential sum over k.
     */
    static void kernel8x32(float[] p, int cols, float[] xT, int nPad, int i, float[] res) {
        FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00, a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        FloatVector a40 = a00, a41 = a00, a50 = a00, a51 = a00, a60 = a00, a61 = a00, a70 = a00, a71 = a00;
        int p1 = cols, p2 = 2 * cols, p3 = 3 * cols, p4 = 4 * cols, p5 = 5 * cols, p6 = 6 * cols, p7 = 7 * cols;
        for (int k = 0, t = i; k < cols; k++, t += nPad) {
            FloatVector x0 = FloatVector.fromArray(F, xT, t), x1 = FloatVector.fromArray(F, xT, t + L);
            FloatVector w = FloatVector.broadcast(F, p[k]);
            a00 = w.fma(x0, a00); a01 = w.fma(x1, a01);
            w = FloatVector.broadcast(F, p[p1 + k]);
            a10 = w.fma(x0, a10); a11 = w.fma(x1, a11);
            w = FloatVector.broadcast(F, p[p2 + k]);
            a20 = w.fma(x0, a20); a21 = w.fma(x1, a21);
            w = FloatVector.broadcast(F, p[p3 + k]);
            a30 = w.fma(x0, a30); a31 = w.fma(x1, a31);
            w = FloatVector.broadcast(F, p[p4 + k]);
            a40 = w.fma(x0, a40); a41 = w.fma(x1, a41);
            w = FloatVector.broadcast(F, p[p5 + k]);
            a50 = w.fma(x0, a50); a51 = w.fma(x1, a51);
            w = FloatVector.broadcast(F, p[p6 + k]);
            a60 = w.fma(x0, a60); a61 = w.fma(x1, a61);
            w = FloatVector.broadcast(F, p[p7 + k]);
            a70 = w.fma(x0, a70); a71 = w.fma(x1, a71);
        }
        a00.intoArray(res, 0); a01.intoArray(res, L);
        a10.intoArray(res, 2 * L); a11.intoArray(res, 3 * L);
        a20.intoArray(res, 4 * L); a21.intoArray(res, 5 * L);
        a30.intoArray(res, 6 * L); a31.intoArray(res, 7 * L);
        a40.intoArray(res, 8 * L); a41.intoArray(res, 9 * L);
        a50.intoArray(res, 10 * L); a51.intoArray(res, 11 * L);
        a60.intoArray(res, 12 * L); a61.intoArray(res, 13 * L);
        a70.intoArray(res, 14 * L); a71.intoArray(res, 15 * L);
    }

    /** {@link #kernel8x32} for the last 16 inputs. */
    static void kernel8x16(float[] p, int cols, float[] xT, int nPad, int i, float[] res) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
        int p1 = cols, p2 = 2 * cols, p3 = 3 * cols, p4 = 4 * cols, p5 = 5 * cols, p6 = 6 * cols, p7 = 7 * cols;
        for (int k = 0, t = i; k < cols; k++, t += nPad) {
            FloatVector x0 = FloatVector.fromArray(F, xT, t);
            a0 = FloatVector.broadcast(F, p[k]).fma(x0, a0);
            a1 = FloatVector.broadcast(F, p[p1 + k]).fma(x0, a1);
            a2 = FloatVector.broadcast(F, p[p2 + k]).fma(x0, a2);
            a3 = FloatVector.broadcast(F, p[p3 + k]).fma(x0, a3);
            a4 = FloatVector.broadcast(F, p[p4 + k]).fma(x0, a4);
            a5 = FloatVector.broadcast(F, p[p5 + k]).fma(x0, a5);
            a6 = FloatVector.broadcast(F, p[p6 + k]).fma(x0, a6);
            a7 = FloatVector.broadcast(F, p[p7 + k]).fma(x0, a7);
        }
        a0.intoArray(res, 0); a1.intoArray(res, L); a2.intoArray(res, 2 * L); a3.intoArray(res, 3 * L);
        a4.intoArray(res, 4 * L); a5.intoArray(res, 5 * L); a6.intoArray(res, 6 * L); a7.intoArray(res, 7 * L);
    }

    /** Per-thread buffers of the tiled product. */
    static final class Scratch {
        private float[] panel = new float[0];
        final float[] sums = new float[16];
        /** Results of the wide kernel: 8 rows × 2 vectors of L lanes. */
        final float[] wide = new float[16 * 16];

        float[] panel(int size) {
            if (panel.length < size) panel = new float[size];
            return panel;
        }
    }
}
