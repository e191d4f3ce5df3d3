package dev.steer4j.cnn;

/** {@code y = W x + b}, W of shape (out, in) as PyTorch stores it. */
public final class Linear {
    private final int in, out;
    private final float[] weight;
    private final float[] bias;

    public Linear(int in, int out, float[] weight, float[] bias) {
        if (weight.length != out * in) throw new IllegalArgumentException("linear weight needs " + out * in + " values, got " + weight.length);
        if (bias.length != out) throw new IllegalArgumentException("linear bias needs " + out + " values, got " + bias.length);
        this.in = in;
        this.out = out;
        this.weight = weight.clone();
        this.bias = bias.clone();
    }

    public int inFeatures() { return in; }
    public int outFeatures() { return out; }

    public float[] forward(float[] x) {
        if (x.length != in) throw new IllegalArgumentException("linear input needs " + in + " values, got " + x.length);
        float[] y = new float[out];
        for (int o = 0; o < out; o++) y[o] = CnnKernels.dot(weight, o * in, x, 0, in) + bias[o];
        return y;
    }
}
