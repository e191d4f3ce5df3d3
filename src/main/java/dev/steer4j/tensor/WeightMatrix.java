package dev.steer4j.tensor;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFTensorInfo;

import java.lang.foreign.MemorySegment;

/**
 * A read-only 2-D weight tensor of {@code rows} rows of {@code cols} elements, read in place from a mapped GGUF
 * segment. Each storage type supplies a Vector API row–vector dot product and a scalar row dequantiser; the matrix
 * products on top of them are shared.
 * <p>Instances are immutable and thread-safe.
 */
public abstract class WeightMatrix {
    protected final String name;
    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;

    protected WeightMatrix(String name, MemorySegment data, int rows, int cols) {
        this.name = name;
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** Wraps a GGUF tensor as a matrix; 1-D tensors become a single row. */
    public static WeightMatrix of(GGUFTensorInfo t) {
        long cols = t.cols();
        long rows = t.rows();
        if (cols > Integer.MAX_VALUE || rows > Integer.MAX_VALUE)
            throw new IllegalArgumentException("tensor " + t.name() + " shape " + t.shapeString() + " is too large");
        return of(t.name(), t.type(), t.data(), (int) rows, (int) cols);
    }

    public static WeightMatrix of(String name, GGMLType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(name, data, rows, cols);
            case F16 -> new F16Matrix(name, data, rows, cols);
            case BF16 -> new BF16Matrix(name, data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(name, data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(name, data, rows, cols);
            case Q4_1 -> new Q4_1Matrix(name, data, rows, cols);
            case Q4_K -> new Q4_KMatrix(name, data, rows, cols);
            case Q5_K -> new Q5_KMatrix(name, data, rows, cols);
            case Q6_K -> new Q6_KMatrix(name, data, rows, cols);
            default -> throw new UnsupportedTensorTypeException(name, type);
        };
    }

    public String name() { return name; }
    public int rows() { return rows; }
    public int cols() { return cols; }
    public MemorySegment data() { return data; }
    public abstract GGMLType type();

    /** Dot product of row {@code row} with x[xOff..xOff+cols). */
    public abstract float dotRow(int row, float[] x, int xOff);

    /** Writes row {@code row}, dequantised, to out[outOff..outOff+cols). */
    public abstract void dequantizeRow(int row, float[] out, int outOff);

    /** Bytes of one stored row. */
    public long rowBytes() { return type().byteSize(cols); }

    /** Reads a whole row as floats (allocates; not for hot paths). */
    public float[] row(int row) {
        float[] out = new float[cols];
        dequantizeRow(row, out, 0);
        return out;
    }

    /** Dequantises the whole matrix (allocates rows × cols floats). */
    public float[] toFloatArray() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int r = 0; r < rows; r++) dequantizeRow(r, out, r * cols);
        return out;
    }

    /**
     * Writes row {@code row}, dequantised, to out[outOff..outOff+cols) with vector code: bit-identical to
     * {@link #dequantizeRow} (the same float operations in the same order), used by the tiled matrix product.
     */
    public void dequantizeRowFast(int row, float[] out, int outOff) {
        dequantizeRow(row, out, outOff);
    }

    /**
     * The int8 block format this type multiplies in {@link ActivationMode#INT8} (llama.cpp's {@code vec_dot_type}),
     * or null for float types, which always multiply float activations exactly.
     */
    public Q8Activations.Kind int8Kind() { return null; }

    /**
     * Dot product of row {@code row} with activation row {@code i} of {@code a}, quantised to {@link #int8Kind()}:
     * exact integer sums per block, each scaled once by the weight and activation scales.
     */
    public float dotRowQ8(int row, Q8Activations a, int i) {
        throw new UnsupportedOperationException(type() + " has no int8 kernel");
    }

    /** y[yOff + r] = row(r) · x[xOff..] for every row, split across the pool. Allocates nothing. */
    public void matvec(ThreadPool pool, float[] x, int xOff, float[] y, int yOff) {
        MatmulTask t = MatmulTask.get();
        t.one(this, y, yOff, rows).run(pool, ActivationMode.FLOAT, x, xOff, cols, 1);
    }

    /**
     * Matrix product for a batch: for each of the n input rows X[i] (length cols, stride xStride) writes
     * Y[i][r] = row(r) · X[i] (stride yStride). One row ({@code n == 1}) uses the fused dot kernel of the storage
     * type; more rows use the tiled product ({@link MatmulTask}): weight rows are dequantised once per call, a tile
     * at a time, and every input row is multiplied against the tile from cache. Rows of the weight are split
     * statically across threads. Allocates nothing.
     */
    public void matmul(ThreadPool pool, float[] x, int xStride, float[] y, int yStride, int n) {
        matmul(pool, ActivationMode.FLOAT, x, xStride, y, yStride, n);
    }

    /** {@link #matmul(ThreadPool, float[], int, float[], int, int)} with the given activation handling. */
    public void matmul(ThreadPool pool, ActivationMode mode, float[] x, int xStride, float[] y, int yStride, int n) {
        MatmulTask t = MatmulTask.get();
        t.one(this, y, 0, yStride).run(pool, mode, x, 0, xStride, n);
    }

    /**
     * Two or three products of the same input in one parallel step (Q, K and V; gate and up): Y_k[i][r] =
     * row_k(r) · X[i], each output with row stride {@code rows()} of its matrix. {@code c} may be null.
     */
    public static void matmul(ThreadPool pool, ActivationMode mode, float[] x, int xStride, int n,
                              WeightMatrix a, float[] ya, WeightMatrix b, float[] yb, WeightMatrix c, float[] yc) {
        MatmulTask t = MatmulTask.get();
        t.clear().with(a, ya, 0, a.rows).with(b, yb, 0, b.rows);
        if (c != null) t.with(c, yc, 0, c.rows);
        t.run(pool, mode, x, 0, xStride, n);
    }

    private final ThreadLocal<float[]> rowBuffers = new ThreadLocal<>();

    /** A per-thread scratch row of {@code cols} floats. */
    protected float[] rowBuffer() {
        float[] b = rowBuffers.get();
        if (b == null) rowBuffers.set(b = new float[cols]);
        return b;
    }

    @Override
    public String toString() {
        return name + " " + type() + " [" + cols + " x " + rows + "]";
    }
}
