package dev.steer4j.runtime;

import dev.steer4j.model.ModelConfig;

/**
 * Scratch buffers of a forward pass over {@code rows} rows (all sequences of a batch together). Grown on demand and
 * then reused, so steady-state decode allocates nothing.
 */
public final class Workspace {
    private final ModelConfig c;
    int capacity;
    float[] x;      // residual stream [rows * dim]
    float[] xb;     // normalised input [rows * dim]
    float[] q;      // [rows * qDim]
    float[] k;      // [rows * kvDim]
    float[] v;      // [rows * kvDim]
    float[] att;    // attention output [rows * qDim]
    float[] delta;  // attn/mlp output [rows * dim]
    float[] gate;   // [rows * ffn]
    float[] up;     // [rows * ffn]
    float[] logits; // [logitRows * vocab]
    float[] pattern = new float[0]; // attention probabilities, only while attn.hook_pattern is hooked
    int logitCapacity;
    final float[] ropeCos;
    final float[] ropeSin;
    final float[] invFreq;
    final Activations view = new Activations();
    /** The one-entry batch of {@link ForwardPass#forward(SequenceState, int[], boolean)}, reused every step. */
    final Batch single = new Batch();
    /** The attention and SwiGLU jobs, reused every step. */
    ForwardPass.Attention attention;
    ForwardPass.Swiglu swiglu;

    public Workspace(ModelConfig c) {
        this.c = c;
        this.ropeCos = new float[c.headDim() / 2];
        this.ropeSin = new float[c.headDim() / 2];
        this.invFreq = new float[c.headDim() / 2];
        ensure(1);
        ensureLogits(1);
    }

    void ensure(int rows) {
        if (rows <= capacity) return;
        int n = Math.max(rows, capacity * 2);
        x = new float[n * c.dim()];
        xb = new float[n * c.dim()];
        q = new float[n * c.qDim()];
        k = new float[n * c.kvDim()];
        v = new float[n * c.kvDim()];
        att = new float[n * c.qDim()];
        delta = new float[n * c.dim()];
        gate = new float[n * c.ffnDim()];
        up = new float[n * c.ffnDim()];
        capacity = n;
    }

    void ensureLogits(int rows) {
        if (rows <= logitCapacity) return;
        int n = Math.max(rows, logitCapacity * 2);
        logits = new float[n * c.vocabSize()];
        logitCapacity = n;
    }

    void ensurePattern(int size) {
        if (pattern.length < size) pattern = new float[Math.max(size, pattern.length * 2)];
    }

    /** The logits buffer: row i at {@code i * vocabSize}. */
    public float[] logits() { return logits; }
}
