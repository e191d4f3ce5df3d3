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

    /** y[yOff + r] = row(r) · x[xOff..] for every row, split across the pool. */
    public void matvec(ThreadPool pool, float[] x, int xOff, float[] y, int yOff) {
        pool.parallelFor(rows, (start, end) -> {
            for (int r = start; r < end; r++) y[yOff + r] = dotRow(r, x, xOff);
        });
    }

    /**
     * Matrix product for a batch: for each of the n input rows X[i] (length cols, stride xStride) writes
     * Y[i][r] = row(r) · X[i] (stride yStride). Rows of the weight are split across threads, and each weight row is
     * dequantised once per call and reused for every input row.
     */
    public void matmul(ThreadPool pool, float[] x, int xStride, float[] y, int yStride, int n) {
        if (n == 1) {
            matvec(pool, x, 0, y, 0);
            return;
        }
        pool.parallelFor(rows, (start, end) -> {
            float[] buf = rowBuffer();
            for (int r = start; r < end; r++) {
                dequantizeRow(r, buf, 0);
                for (int i = 0; i < n; i++) y[i * yStride + r] = VectorMath.dot(buf, 0, x, i * xStride, cols);
            }
        });
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
