package dev.steer4j.format.gguf;

/** GGUF metadata value types, by their on-disk id. */
public enum GGUFValueType {
    UINT8(1), INT8(1), UINT16(2), INT16(2), UINT32(4), INT32(4), FLOAT32(4), BOOL(1), STRING(-1), ARRAY(-1),
    UINT64(8), INT64(8), FLOAT64(8);

    /** Fixed byte size, or -1 for variable-length types. */
    public final int size;

    GGUFValueType(int size) { this.size = size; }

    public static GGUFValueType byId(int id) {
        GGUFValueType[] v = values();
        return id >= 0 && id < v.length ? v[id] : null;
    }
}
