package dev.steer4j.cnn;

/** {@code MaxPool2d(3, stride=2, padding=1)}: padding counts as −∞, so every window holds at least one input. */
public final class MaxPool {
    private MaxPool() {}

    public static int outSize(int n) { return (n + 2 - 3) / 2 + 1; }

    /** {@code x} is (c, h, w); returns (c, outSize(h), outSize(w)). */
    public static float[] forward(float[] x, int c, int h, int w) {
        int oh = outSize(h), ow = outSize(w);
        float[] y = new float[c * oh * ow];
        for (int ch = 0; ch < c; ch++) {
            int ib = ch * h * w, ob = ch * oh * ow;
            for (int r = 0; r < oh; r++) {
                int r0 = Math.max(0, 2 * r - 1), r1 = Math.min(h, 2 * r + 2);
                for (int q = 0; q < ow; q++) {
                    int q0 = Math.max(0, 2 * q - 1), q1 = Math.min(w, 2 * q + 2);
                    float m = Float.NEGATIVE_INFINITY;
                    for (int i = r0; i < r1; i++)
                        for (int j = q0; j < q1; j++) m = Math.max(m, x[ib + i * w + j]);
                    y[ob + r * ow + q] = m;
                }
            }
        }
        return y;
    }
}
