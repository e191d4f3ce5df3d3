package dev.steer4j.cnn;

import jdk.incubator.vector.FloatVector;

/**
 * A 3×3 convolution with stride 1 and zero padding 1 (PyTorch {@code Conv2d(in, out, 3, padding=1)}), weights
 * {@code [out][in][3][3]}. The kernel slides along rows: each tap adds a weight times a shifted input row to an
 * output row, which the Vector API does in full vectors.
 */
public final class Conv3x3 {
    private final int in, out;
    private final float[] weight; // [out][in][3][3]
    private final float[] bias;

    public Conv3x3(int in, int out, float[] weight, float[] bias) {
        if (weight.length != out * in * 9) throw new IllegalArgumentException("conv weight needs " + out * in * 9 + " values, got " + weight.length);
        if (bias.length != out) throw new IllegalArgumentException("conv bias needs " + out + " values, got " + bias.length);
        this.in = in;
        this.out = out;
        this.weight = weight.clone();
        this.bias = bias.clone();
    }

    public int inChannels() { return in; }
    public int outChannels() { return out; }

    /**
     * {@code x} is (in, h, w); returns (out, h, w). The input is unfolded into {@code in·9} shifted planes
     * (im2col, zero padded), then four output channels at a time accumulate weight × plane in vector registers.
     */
    public float[] forward(float[] x, int h, int w) {
        if (x.length != in * h * w) throw new IllegalArgumentException("conv input needs " + in * h * w + " values, got " + x.length);
        int plane = h * w, k9 = in * 9;
        float[] cols = new float[k9 * plane];
        for (int c = 0; c < in; c++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    int base = ((c * 3 + ky) * 3 + kx) * plane;
                    int x0 = Math.max(0, 1 - kx), x1 = Math.min(w, w + 1 - kx), sx = x0 + kx - 1;
                    for (int r = 0; r < h; r++) {
                        int sr = r + ky - 1;
                        if (sr < 0 || sr >= h) continue;
                        System.arraycopy(x, (c * h + sr) * w + sx, cols, base + r * w + x0, x1 - x0);
                    }
                }
        float[] y = new float[out * plane];
        var F = CnnKernels.F;
        int lanes = F.length(), bound = F.loopBound(plane);
        int o = 0;
        for (; o + 4 <= out; o += 4) {
            int w0 = o * k9, w1 = w0 + k9, w2 = w1 + k9, w3 = w2 + k9;
            for (int i = 0; i < bound; i += lanes) {
                var a0 = FloatVector.broadcast(F, bias[o]);
                var a1 = FloatVector.broadcast(F, bias[o + 1]);
                var a2 = FloatVector.broadcast(F, bias[o + 2]);
                var a3 = FloatVector.broadcast(F, bias[o + 3]);
                for (int k = 0; k < k9; k++) {
                    var xv = FloatVector.fromArray(F, cols, k * plane + i);
                    a0 = xv.fma(FloatVector.broadcast(F, weight[w0 + k]), a0);
                    a1 = xv.fma(FloatVector.broadcast(F, weight[w1 + k]), a1);
                    a2 = xv.fma(FloatVector.broadcast(F, weight[w2 + k]), a2);
                    a3 = xv.fma(FloatVector.broadcast(F, weight[w3 + k]), a3);
                }
                a0.intoArray(y, o * plane + i);
                a1.intoArray(y, (o + 1) * plane + i);
                a2.intoArray(y, (o + 2) * plane + i);
                a3.intoArray(y, (o + 3) * plane + i);
            }
            for (int j = 0; j < 4; j++)
                for (int i = bound; i < plane; i++) y[(o + j) * plane + i] = tail(cols, plane, i, (o + j) * k9, bias[o + j], k9);
        }
        for (; o < out; o++)
            for (int i = 0; i < plane; i++) y[o * plane + i] = tail(cols, plane, i, o * k9, bias[o], k9);
        return y;
    }

    private float tail(float[] cols, int plane, int i, int wOff, float b, int k9) {
        float s = b;
        for (int k = 0; k < k9; k++) s = Math.fma(weight[wOff + k], cols[k * plane + i], s);
        return s;
    }
}
