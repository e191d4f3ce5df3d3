package dev.steer4j.testutil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/** Byte-level edits of a GGUF header for corruption tests: find a tensor info or a metadata value by name. */
public final class GGUFPatch {
    private final byte[] b;
    private final ByteBuffer bb;

    public GGUFPatch(byte[] bytes) {
        this.b = bytes.clone();
        this.bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    public byte[] bytes() { return b; }

    /** Position just past a length-prefixed string equal to {@code s} (the first occurrence). */
    public int after(String s) {
        byte[] name = s.getBytes(StandardCharsets.UTF_8);
        byte[] needle = new byte[8 + name.length];
        ByteBuffer.wrap(needle).order(ByteOrder.LITTLE_ENDIAN).putLong(name.length).put(name);
        outer:
        for (int i = 0; i + needle.length <= b.length; i++) {
            for (int j = 0; j < needle.length; j++) if (b[i + j] != needle[j]) continue outer;
            return i + needle.length;
        }
        throw new IllegalArgumentException("no string " + s);
    }

    /** Position of the ggml type id of a tensor info. */
    public int tensorType(String tensor) {
        int p = after(tensor);
        int nDims = bb.getInt(p);
        return p + 4 + 8 * nDims;
    }

    public int tensorOffset(String tensor) { return tensorType(tensor) + 4; }

    public GGUFPatch putInt(int pos, int v) { bb.putInt(pos, v); return this; }
    public GGUFPatch putLong(int pos, long v) { bb.putLong(pos, v); return this; }
    public GGUFPatch putFloat(int pos, float v) { bb.putFloat(pos, v); return this; }
    public long getLong(int pos) { return bb.getLong(pos); }

    /** Position of a scalar metadata value (after its key and 4-byte type). */
    public int metaValue(String key) { return after(key) + 4; }
}
