package dev.steer4j.cnn;

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

    /** {@code x} is (in, h, w); returns (out, h, w). */
    public float[] forward(float[] x, int h, int w) {
        if (x.length != in * h * w) throw new IllegalArgumentException("conv input needs " + in * h * w + " values, got " + x.length);
        int plane = h * w;
        float[] y = new float[out * plane];
        for (int o = 0; o < out; o++) {
            int ob = o * plane;
            java.util.Arrays.fill(y, ob, ob + plane, bias[o]);
            for (int c = 0; c < in; c++) {
                int ib = c * plane;
                int wb = (o * in + c) * 9;
                for (int ky = 0; ky < 3; ky++) {
                    for (int kx = 0; kx < 3; kx++) {
                        float wv = weight[wb + ky * 3 + kx];
                        int x0 = Math.max(0, 1 - kx), x1 = Math.min(w, w + 1 - kx);
                        int sx = x0 + kx - 1;
                        for (int r = 0; r < h; r++) {
                            int sr = r + ky - 1;
                            if (sr < 0 || sr >= h) continue;
                            CnnKernels.axpy(wv, x, ib + sr * w + sx, y, ob + r * w + x0, x1 - x0);
                        }
                    }
                }
            }
        }
        return y;
    }
}
