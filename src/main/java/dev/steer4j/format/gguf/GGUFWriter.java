package dev.steer4j.format.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF version 3 files. Metadata keeps insertion order; tensors are laid out in insertion order at
 * {@code general.alignment} (32 by default). The file is written to a temporary sibling and atomically moved into
 * place, so a failure never leaves a half-written file behind.
 */
public final class GGUFWriter {
    /** Supplies a tensor's bytes at write time, so large tensors can stream from a mapped source. */
    public interface TensorData {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Pending(String name, long[] dims, GGMLType type, long bytes, TensorData data) {}

    private final Map<String, GGUFValue> metadata = new LinkedHashMap<>();
    private final List<Pending> tensors = new ArrayList<>();

    public GGUFWriter put(String key, GGUFValue value) {
        metadata.put(key, value);
        return this;
    }

    public GGUFWriter putAll(Map<String, GGUFValue> values) {
        metadata.putAll(values);
        return this;
    }

    public GGUFWriter putString(String key, String v) { return put(key, GGUFValue.of(v)); }
    public GGUFWriter putUInt32(String key, long v) { return put(key, GGUFValue.ofUInt32(v)); }
    public GGUFWriter putInt32(String key, long v) { return put(key, GGUFValue.ofInt32(v)); }
    public GGUFWriter putFloat32(String key, float v) { return put(key, GGUFValue.ofFloat32(v)); }
    public GGUFWriter putBool(String key, boolean v) { return put(key, GGUFValue.ofBool(v)); }

    public GGUFWriter remove(String key) {
        metadata.remove(key);
        return this;
    }

    /** Adds an F32 tensor of shape {@code dims} (ne0 first). */
    public GGUFWriter addF32(String name, long[] dims, float[] values) {
        long n = 1;
        for (long d : dims) n *= d;
        if (n != values.length) throw new IllegalArgumentException("tensor " + name + ": " + values.length + " values for shape of " + n);
        return add(name, dims, GGMLType.F32, 4L * values.length, out -> writeFloats(out, values));
    }

    /**
     * Adds an F32 tensor whose values are computed only when the file is written, so a writer holding many large
     * tensors keeps at most one of them in memory at a time.
     */
    public GGUFWriter addF32(String name, long[] dims, java.util.function.Supplier<float[]> values) {
        long n = 1;
        for (long d : dims) n *= d;
        final long count = n;
        return add(name, dims, GGMLType.F32, 4L * n, out -> {
            float[] v = values.get();
            if (v.length != count) throw new IOException("tensor " + name + ": " + v.length + " values for shape of " + count);
            writeFloats(out, v);
        });
    }

    private static void writeFloats(OutputStream out, float[] values) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(4 * 4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; i += 4096) {
            bb.clear();
            int end = Math.min(values.length, i + 4096);
            for (int j = i; j < end; j++) bb.putFloat(values[j]);
            out.write(bb.array(), 0, bb.position());
        }
    }

    /** Adds a tensor whose raw bytes (already in {@code type}'s block format) are in {@code bytes}. */
    public GGUFWriter addRaw(String name, long[] dims, GGMLType type, byte[] bytes) {
        return add(name, dims, type, bytes.length, out -> out.write(bytes));
    }

    /** Adds a tensor copied from a memory segment (for example another GGUF file's tensor). */
    public GGUFWriter addSegment(String name, long[] dims, GGMLType type, MemorySegment data) {
        return add(name, dims, type, data.byteSize(), out -> {
            byte[] buf = new byte[1 << 20];
            for (long off = 0; off < data.byteSize(); off += buf.length) {
                int len = (int) Math.min(buf.length, data.byteSize() - off);
                MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, buf, 0, len);
                out.write(buf, 0, len);
            }
        });
    }

    public GGUFWriter add(String name, long[] dims, GGMLType type, long bytes, TensorData data) {
        long n = 1;
        for (long d : dims) n *= d;
        if (type.byteSize(n) != bytes) throw new IllegalArgumentException("tensor " + name + ": " + bytes + " bytes for " + n + " " + type + " elements");
        tensors.add(new Pending(name, dims.clone(), type, bytes, data));
        return this;
    }

    /** Writes the file atomically. */
    public void write(Path path) throws IOException {
        int alignment = DEFAULT_ALIGNMENT();
        GGUFValue al = metadata.get("general.alignment");
        if (al != null && al.value() instanceof Long l) alignment = (int) (long) l;
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        // A sibling temp file (created with the default permissions, unlike Files.createTempFile's 0600), moved into
        // place only once complete.
        Path tmp = (dir != null ? dir : Path.of(".")).resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part");
        try {
            try (CountingOut out = new CountingOut(new BufferedOutputStream(Files.newOutputStream(tmp, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE), 1 << 16))) {
                out.u32(GGUFFile.MAGIC);
                out.u32(3);
                out.u64(tensors.size());
                out.u64(metadata.size());
                for (var e : metadata.entrySet()) {
                    out.string(e.getKey());
                    writeValue(out, e.getValue(), true);
                }
                long offset = 0;
                for (Pending t : tensors) {
                    out.string(t.name);
                    out.u32(t.dims.length);
                    for (long d : t.dims) out.u64(d);
                    out.u32(t.type.id());
                    out.u64(offset);
                    offset = align(offset + t.bytes, alignment);
                }
                out.pad(alignment);
                for (Pending t : tensors) {
                    long before = out.count;
                    t.data.writeTo(out);
                    if (out.count - before != t.bytes) throw new IOException("tensor " + t.name + " wrote " + (out.count - before) + " bytes, expected " + t.bytes);
                    out.pad(alignment);
                }
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int DEFAULT_ALIGNMENT() { return GGUFFile.DEFAULT_ALIGNMENT; }

    private static long align(long x, int a) { return (x + a - 1) / a * a; }

    private static void writeValue(CountingOut out, GGUFValue v, boolean withType) throws IOException {
        if (withType) out.u32(v.type().ordinal());
        Object o = v.value();
        switch (v.type()) {
            case UINT8, INT8 -> out.write((int) (long) (Long) o);
            case UINT16, INT16 -> out.u16((int) (long) (Long) o);
            case UINT32, INT32 -> out.u32((int) (long) (Long) o);
            case UINT64, INT64 -> out.u64((Long) o);
            case FLOAT32 -> out.u32(Float.floatToRawIntBits(((Number) o).floatValue()));
            case FLOAT64 -> out.u64(Double.doubleToRawLongBits(((Number) o).doubleValue()));
            case BOOL -> out.write(((Boolean) o) ? 1 : 0);
            case STRING -> out.string((String) o);
            case ARRAY -> {
                GGUFValueType et = v.elementType();
                out.u32(et.ordinal());
                switch (o) {
                    case String[] a -> { out.u64(a.length); for (String s : a) out.string(s); }
                    case float[] a -> { out.u64(a.length); for (float f : a) out.u32(Float.floatToRawIntBits(f)); }
                    case double[] a -> { out.u64(a.length); for (double d : a) out.u64(Double.doubleToRawLongBits(d)); }
                    case boolean[] a -> { out.u64(a.length); for (boolean b : a) out.write(b ? 1 : 0); }
                    case long[] a -> { out.u64(a.length); for (long l : a) writeValue(out, new GGUFValue(et, null, l), false); }
                    case GGUFValue[] a -> { out.u64(a.length); for (GGUFValue x : a) writeValue(out, x, false); }
                    default -> throw new IllegalArgumentException("unsupported array value " + o.getClass());
                }
            }
        }
    }

    private static final class CountingOut extends OutputStream {
        private final OutputStream out;
        long count;
        private final byte[] buf = new byte[8];

        CountingOut(OutputStream out) { this.out = out; }

        @Override public void write(int b) throws IOException { out.write(b); count++; }
        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); count += len; }
        @Override public void close() throws IOException { out.close(); }

        void u16(int v) throws IOException { buf[0] = (byte) v; buf[1] = (byte) (v >> 8); write(buf, 0, 2); }
        void u32(int v) throws IOException { for (int i = 0; i < 4; i++) buf[i] = (byte) (v >> (8 * i)); write(buf, 0, 4); }
        void u64(long v) throws IOException { for (int i = 0; i < 8; i++) buf[i] = (byte) (v >> (8 * i)); write(buf, 0, 8); }
        void string(String s) throws IOException { byte[] b = s.getBytes(StandardCharsets.UTF_8); u64(b.length); write(b, 0, b.length); }
        void pad(int alignment) throws IOException { while (count % alignment != 0) write(0); }
    }
}
