package dev.steer4j.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/** Vector API kernels over float arrays: the activation-side arithmetic of the forward pass. */
public final class VectorMath {
    public static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private VectorMath() {}

    private static final int L = F.length();
    static final VectorShuffle<Float> SWAP8 = L > 8 ? VectorShuffle.fromOp(F, i -> i ^ 8) : null;
    static final VectorShuffle<Float> SWAP4 = L > 4 ? VectorShuffle.fromOp(F, i -> i ^ 4) : null;
    static final VectorShuffle<Float> SWAP2 = L > 2 ? VectorShuffle.fromOp(F, i -> i ^ 2) : null;
    static final VectorShuffle<Float> SWAP1 = VectorShuffle.fromOp(F, i -> i ^ 1);

    /**
     * Sum of the lanes in a fixed order: a pairwise tree (lane i with lane i ^ L/2, then i ^ L/4, ...), written as
     * explicit vector operations. {@code reduceLanes(ADD)} may order the additions differently in interpreted and
     * compiled code, which would make results depend on JIT state; this does not. Unlike a loop over
     * {@code lane(i)}, it needs no constant lane index, so it never falls back to boxed vectors.
     */
    public static float sum(FloatVector v) {
        if (L > 8) v = v.add(v.rearrange(SWAP8));
        if (L > 4) v = v.add(v.rearrange(SWAP4));
        if (L > 2) v = v.add(v.rearrange(SWAP2));
        if (L > 1) v = v.add(v.rearrange(SWAP1));
        return v.lane(0);
    }

    /*
     * The loops below cover [0, n) in whole vectors and mask the last one, instead of a vector loop plus a scalar
     * tail: the same vector code runs for every n. A loop that never ran while C2 profiled it (say, attention over
     * head_dim 8 < 16 lanes with the bundled model) is compiled without its Vector API intrinsics, and then boxes a
     * vector per operation, forever, once a model with wider heads uses it.
     */

    /** Dot product of a[aOff..aOff+n) and b[bOff..bOff+n). */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        FloatVector acc = FloatVector.zero(F);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            acc = FloatVector.fromArray(F, a, aOff + i, m).fma(FloatVector.fromArray(F, b, bOff + i, m), acc);
        }
        // sum(acc) written out: where C2 declines to inline sum here (seen on AVX2, inside rmsNorm), passing acc boxes it
        if (L > 8) acc = acc.add(acc.rearrange(SWAP8));
        if (L > 4) acc = acc.add(acc.rearrange(SWAP4));
        if (L > 2) acc = acc.add(acc.rearrange(SWAP2));
        if (L > 1) acc = acc.add(acc.rearrange(SWAP1));
        return acc.lane(0);
    }

    /** y[yOff..] += alpha * x[xOff..] over n elements (one fused multiply-add per element). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int n) {
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector.fromArray(F, x, xOff + i, m).fma(va, FloatVector.fromArray(F, y, yOff + i, m)).intoArray(y, yOff + i, m);
        }
    }

    /** y[yOff..] += x[xOff..] over n elements. */
    public static void add(float[] x, int xOff, float[] y, int yOff, int n) {
        for (int i = 0; i < n; i += L) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector.fromArray(F, y, yOff + i, m).add(FloatVector.fromArray(F, x, xOff + i, m)).intoArray(y, yOff + i, m);
        }
    }

    /** Sum of squares of x[off..off+n). */
    public static float sumSquares(float[] x, int off, int n) {
        return dot(x, off, x, off, n);
    }

    /**
     * RMSNorm as llama.cpp computes it: out = x / sqrt(mean(x^2) + eps) * weight.
     * The mean is accumulated in float, as in ggml.
     */
    public static void rmsNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, int n, float eps) {
        float ss = sumSquares(x, xOff, n);
        float scale = (float) (1.0 / Math.sqrt(ss / n + eps));
        int i = 0;
        int upper = F.loopBound(n);
        FloatVector vs = FloatVector.broadcast(F, scale);
        for (; i < upper; i += F.length()) {
            FloatVector.fromArray(F, x, xOff + i).mul(vs).mul(FloatVector.fromArray(F, weight, i)).intoArray(out, outOff + i);
        }
        for (; i < n; i++) out[outOff + i] = x[xOff + i] * scale * weight[i];
    }

    /** In-place softmax over x[off..off+n). */
    public static void softmax(float[] x, int off, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        float sum = 0f;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[off + i] - max);
            x[off + i] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int i = 0; i < n; i++) x[off + i] *= inv;
    }

    /** SwiGLU in place: gate[i] = silu(gate[i]) * up[i]. */
    public static void swiglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[gOff + i];
            gate[gOff + i] = g / (1f + (float) Math.exp(-g)) * up[uOff + i];
        }
    }
}
