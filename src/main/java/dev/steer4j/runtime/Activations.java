package dev.steer4j.runtime;

/**
 * A writable view of one sequence's rows at a hook point: {@link #rows()} rows of {@link #width()} floats, row
 * {@code r} at {@code data()[offset(r) .. offset(r) + width())}, holding the activation of absolute token position
 * {@link #position(int)}. The view is reused between calls; hooks must not keep it.
 */
public final class Activations {
    private HookPoint point;
    private SequenceState sequence;
    private float[] data;
    private int base;
    private int rows;
    private int width;
    private int firstPosition;

    void set(HookPoint point, SequenceState sequence, float[] data, int base, int rows, int width, int firstPosition) {
        this.point = point;
        this.sequence = sequence;
        this.data = data;
        this.base = base;
        this.rows = rows;
        this.width = width;
        this.firstPosition = firstPosition;
    }

    /**
     * A view of {@code rows × width} floats that belongs to no token sequence, for runtimes without one (the CNN
     * runtime hands its hooks one observation's feature map as a single row). {@link #point()} and
     * {@link #sequence()} are null there; positions count from 0.
     */
    public static Activations detached(float[] data, int base, int rows, int width) {
        Activations a = new Activations();
        a.set(null, null, data, base, rows, width, 0);
        return a;
    }

    public HookPoint point() { return point; }
    public SequenceState sequence() { return sequence; }
    public float[] data() { return data; }
    public int rows() { return rows; }
    public int width() { return width; }
    /** Offset of row r in {@link #data()}. */
    public int offset(int row) { return base + row * width; }
    /** Absolute token position (0 = BOS) of row r. */
    public int position(int row) { return firstPosition + row; }
    /** Number of prompt tokens of this sequence; positions at or past it were generated. */
    public int promptLength() { return sequence.promptLength(); }

    public float get(int row, int col) { return data[base + row * width + col]; }
    public void set(int row, int col, float v) { data[base + row * width + col] = v; }

    /** A copy of row r. */
    public float[] copyRow(int row) {
        float[] out = new float[width];
        System.arraycopy(data, offset(row), out, 0, width);
        return out;
    }
}
