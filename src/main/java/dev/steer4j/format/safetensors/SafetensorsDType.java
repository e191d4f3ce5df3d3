package dev.steer4j.format.safetensors;

/** The safetensors element types steer4j reads (the floating-point ones models ship in). */
public enum SafetensorsDType {
    F32(4), F16(2), BF16(2);

    public final int bytes;

    SafetensorsDType(int bytes) { this.bytes = bytes; }

    /** The type named in a header, or null when steer4j does not read it. */
    static SafetensorsDType byName(String name) {
        for (SafetensorsDType t : values()) if (t.name().equals(name)) return t;
        return null;
    }
}
