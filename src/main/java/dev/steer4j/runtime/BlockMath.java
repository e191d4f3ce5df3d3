package dev.steer4j.runtime;

/**
 * The element-wise steps some families need beyond llama's (which live in {@link dev.steer4j.tensor.VectorMath}):
 * LayerNorm with bias, tanh-GELU, GeGLU and soft-capping, each as ggml computes it in f32.
 */
final class BlockMath {
    private static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    private BlockMath() {}

    /**
     * LayerNorm as ggml's {@code ggml_norm} then {@code * w + b}: mean and biased variance accumulated in double,
     * {@code (x - mean) / sqrt(var + eps)}. {@code out} may be {@code x}.
     */
    static void layerNorm(float[] out, int outOff, float[] x, int xOff, float[] weight, float[] bias, int n, float eps) {
        double sum = 0;
        for (int i = 0; i < n; i++) sum += x[xOff + i];
        float mean = (float) (sum / n);
        double sum2 = 0;
        for (int i = 0; i < n; i++) {
            float v = x[xOff + i] - mean;
            sum2 += (double) v * v;
        }
        float scale = (float) (1.0 / Math.sqrt((float) (sum2 / n) + eps));
        for (int i = 0; i < n; i++) {
            float v = (x[xOff + i] - mean) * scale * weight[i];
            out[outOff + i] = bias == null ? v : v + bias[i];
        }
    }

    /** The tanh form {@code 0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))}, in f32 as llama.cpp with GGML_GELU_FP16 off. */
    static float gelu(float x) {
        return (float) (0.5 * x * (1.0 + Math.tanh(GELU_C * x * (1.0 + 0.044715 * x * x))));
    }

    /** x[off..off+n) = gelu(x) in place. */
    static void gelu(float[] x, int off, int n) {
        for (int i = off, e = off + n; i < e; i++) x[i] = gelu(x[i]);
    }

    /** GeGLU in place: gate[i] = gelu(gate[i]) · up[i]. */
    static void geglu(float[] gate, int gOff, float[] up, int uOff, int n) {
        for (int i = 0; i < n; i++) gate[gOff + i] = gelu(gate[gOff + i]) * up[uOff + i];
    }

    /** x = cap · tanh(x / cap) over x[off..off+n). */
    static void softcap(float[] x, int off, int n, float cap) {
        for (int i = off, e = off + n; i < e; i++) x[i] = softcap(x[i], cap);
    }

    static float softcap(float x, float cap) {
        return (float) (cap * Math.tanh(x / cap));
    }
}
