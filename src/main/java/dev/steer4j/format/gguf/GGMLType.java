package dev.steer4j.format.gguf;

/**
 * The ggml tensor element types, with their on-disk block geometry.
 * <p>{@code blockSize} elements are stored in {@code typeSize} bytes. Types steer4j can compute with
 * are flagged {@link #supported()}; the others are still recognised so files can be inspected.
 */
public enum GGMLType {
    F32(0, 1, 4, true),
    F16(1, 1, 2, true),
    Q4_0(2, 32, 18, true),
    Q4_1(3, 32, 20, true),
    Q5_0(6, 32, 22, false),
    Q5_1(7, 32, 24, false),
    Q8_0(8, 32, 34, true),
    Q8_1(9, 32, 36, false),
    Q2_K(10, 256, 84, false),
    Q3_K(11, 256, 110, false),
    Q4_K(12, 256, 144, true),
    Q5_K(13, 256, 176, true),
    Q6_K(14, 256, 210, true),
    Q8_K(15, 256, 292, false),
    IQ2_XXS(16, 256, 66, false),
    IQ2_XS(17, 256, 74, false),
    IQ3_XXS(18, 256, 98, false),
    IQ1_S(19, 256, 50, false),
    IQ4_NL(20, 32, 18, false),
    IQ3_S(21, 256, 110, false),
    IQ2_S(22, 256, 82, false),
    IQ4_XS(23, 256, 136, false),
    I8(24, 1, 1, false),
    I16(25, 1, 2, false),
    I32(26, 1, 4, false),
    I64(27, 1, 8, false),
    F64(28, 1, 8, false),
    IQ1_M(29, 256, 56, false),
    BF16(30, 1, 2, true);

    private static final GGMLType[] BY_ID = new GGMLType[64];
    static {
        for (GGMLType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int blockSize;
    private final int typeSize;
    private final boolean supported;

    GGMLType(int id, int blockSize, int typeSize, boolean supported) {
        this.id = id;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
        this.supported = supported;
    }

    public int id() { return id; }
    public int blockSize() { return blockSize; }
    public int typeSize() { return typeSize; }
    /** True when steer4j has kernels for this type. */
    public boolean supported() { return supported; }

    /** The type with this ggml id, or null when the id is unknown. */
    public static GGMLType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** Bytes needed to store {@code elements} values of this type; elements must be a multiple of the block size. */
    public long byteSize(long elements) {
        return elements / blockSize * typeSize;
    }

    /** The supported types, for error messages. */
    public static String supportedList() {
        StringBuilder sb = new StringBuilder();
        for (GGMLType t : values()) if (t.supported) sb.append(sb.isEmpty() ? "" : ", ").append(t.name());
        return sb.toString();
    }
}
