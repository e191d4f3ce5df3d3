package dev.steer4j.cnn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/** Vector API kernels of the CNN runtime, on CHW float32 planes. */
final class CnnKernels {
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private CnnKernels() {}

    /** y[yOff..yOff+n) += a × x[xOff..xOff+n). */
    static void axpy(float a, float[] x, int xOff, float[] y, int yOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        if (bound > 0) {
            FloatVector av = FloatVector.broadcast(F, a);
            for (; i < bound; i += F.length()) {
                FloatVector yv = FloatVector.fromArray(F, y, yOff + i);
                av.fma(FloatVector.fromArray(F, x, xOff + i), yv).intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) y[yOff + i] = Math.fma(a, x[xOff + i], y[yOff + i]);
    }

    static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector acc = FloatVector.zero(F);
        for (; i < bound; i += F.length())
            acc = FloatVector.fromArray(F, a, aOff + i).fma(FloatVector.fromArray(F, b, bOff + i), acc);
        float s = acc.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) s = Math.fma(a[aOff + i], b[bOff + i], s);
        return s;
    }

    /** x ← max(x, 0) in place. */
    static void relu(float[] x) {
        int i = 0;
        int bound = F.loopBound(x.length);
        FloatVector zero = FloatVector.zero(F);
        for (; i < bound; i += F.length()) FloatVector.fromArray(F, x, i).max(zero).intoArray(x, i);
        for (; i < x.length; i++) if (!(x[i] > 0)) x[i] = 0;
    }

    /** A copy with max(x, 0) applied. */
    static float[] reluCopy(float[] x) {
        float[] r = x.clone();
        relu(r);
        return r;
    }

    /** a ← a + b elementwise. */
    static void addInPlace(float[] a, float[] b) {
        int i = 0;
        int bound = F.loopBound(a.length);
        for (; i < bound; i += F.length())
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(a, i);
        for (; i < a.length; i++) a[i] += b[i];
    }
}
