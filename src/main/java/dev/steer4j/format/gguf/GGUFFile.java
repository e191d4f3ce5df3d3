package dev.steer4j.format.gguf;

import dev.steer4j.util.SafeText;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory-mapped GGUF file (versions 2 and 3): metadata, tensor infos and zero-copy tensor data.
 * <p>The whole file is mapped once through {@link FileChannel#map(FileChannel.MapMode, long, long, Arena)}; tensor
 * data are slices of that mapping, so files larger than 2 GB work and nothing is copied. Every read is bounds-checked,
 * and any inconsistency raises a {@link GGUFFormatException} naming the file, the field and the offset.
 * Instances are immutable and thread-safe; {@link #close()} unmaps the file.
 */
public final class GGUFFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" little-endian
    public static final int DEFAULT_ALIGNMENT = 32;

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_DIMS = 4;
    /** llama.cpp's GGML_MAX_NAME: tensor names are shorter than this many bytes. */
    private static final int MAX_NAME = 64;

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    private final int version;
    private final Map<String, GGUFValue> metadata;
    private final Map<String, GGUFTensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;
    /** Released on close after the arena (the sources of an in-memory view), or null. */
    private final AutoCloseable onClose;
    private final List<String> warnings;
    private final java.util.Set<String> lookedUp = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private GGUFFile(Path path, Arena arena, MemorySegment segment, int version, Map<String, GGUFValue> metadata,
                     Map<String, GGUFTensorInfo> tensors, int alignment, long dataOffset, List<String> warnings,
                     AutoCloseable onClose) {
        this.onClose = onClose;
        this.warnings = List.copyOf(warnings);
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /** Maps and parses a GGUF file. */
    public static GGUFFile open(Path path) {
        if (!Files.exists(path)) throw new GGUFFormatException(path, -1, "file not found");
        if (Files.isDirectory(path)) throw new GGUFFormatException(path, -1, "is a directory, not a GGUF file");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0) : ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            GGUFFile f = new Parser(path, seg).parse(arena);
            return f;
        } catch (NoSuchFileException e) {
            arena.close();
            throw new GGUFFormatException(path, -1, "file not found");
        } catch (IOException e) {
            arena.close();
            throw new GGUFFormatException(path, -1, "cannot read: " + e.getMessage());
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    /**
     * A GGUF view assembled in memory rather than parsed from a file: the metadata and tensors a GGUF file of the same
     * model would hold, with tensor data pointing wherever the caller mapped or copied them (for example into a
     * safetensors mapping). {@link #close()} closes {@code arena} (which may own copied tensor data), then
     * {@code onClose} (which may unmap the sources). {@link #fileSize()} is 0 and {@link #dataOffset()} -1.
     */
    public static GGUFFile ofMemory(Path path, Map<String, GGUFValue> metadata, Map<String, GGUFTensorInfo> tensors,
                                    Arena arena, AutoCloseable onClose) {
        return new GGUFFile(path, arena, MemorySegment.NULL, 3, new LinkedHashMap<>(metadata), new LinkedHashMap<>(tensors),
                DEFAULT_ALIGNMENT, -1, List.of(), onClose);
    }

    /**
     * Parses GGUF bytes held in memory (copied to native memory that {@link #close()} frees); {@code label} names
     * them in error messages. Used where no file exists, such as fuzz tests. The memory belongs to the calling
     * thread: only it may read the tensors and close the file.
     */
    public static GGUFFile fromBytes(Path label, byte[] bytes) {
        Arena arena = Arena.ofConfined(); // one thread reads in-memory bytes (fuzzing); a shared arena's close is slow
        try {
            MemorySegment seg = arena.allocate(Math.max(1, bytes.length), 64).asSlice(0, bytes.length);
            MemorySegment.copy(bytes, 0, seg, ValueLayout.JAVA_BYTE, 0, bytes.length);
            return new Parser(label, seg).parse(arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }
    public int version() { return version; }
    public int alignment() { return alignment; }
    /** Offset of the tensor data section in the file. */
    public long dataOffset() { return dataOffset; }
    public long fileSize() { return segment.byteSize(); }
    /** Things llama.cpp accepts but that suggest a damaged file, each naming the file; empty for a clean file. */
    public List<String> warnings() { return warnings; }
    /** Metadata in file order. */
    public Map<String, GGUFValue> metadata() { return metadata; }
    /** Tensors in file order. */
    public Map<String, GGUFTensorInfo> tensors() { return tensors; }

    public boolean has(String key) { return metadata.containsKey(key); }

    public GGUFTensorInfo tensor(String name) {
        lookedUp.add(name);
        return tensors.get(name);
    }

    /**
     * The tensor names asked for through {@link #tensor} and {@link #requireTensor} so far: after a model is built
     * from the file, its tensors not in this set are unused (a warning, see {@code ModelChecks}).
     */
    public java.util.Set<String> tensorsLookedUp() { return Collections.unmodifiableSet(lookedUp); }

    /** The tensor of that name, or an error naming it. */
    public GGUFTensorInfo requireTensor(String name) {
        lookedUp.add(name);
        GGUFTensorInfo t = tensors.get(name);
        if (t == null) throw new GGUFFormatException(path, -1, "missing tensor " + SafeText.quoted(name));
        return t;
    }

    public Object value(String key) {
        GGUFValue v = metadata.get(key);
        return v == null ? null : v.value();
    }

    public String getString(String key, String dflt) {
        Object v = value(key);
        if (v == null) return dflt;
        if (v instanceof String s) return s;
        throw wrongType(key, "a string", v);
    }

    public String requireString(String key) {
        String s = getString(key, null);
        if (s == null) throw new GGUFFormatException(path, -1, "missing metadata key " + SafeText.quoted(key));
        return s;
    }

    public long getLong(String key, long dflt) {
        Object v = value(key);
        if (v == null) return dflt;
        if (v instanceof Long l) return l;
        throw wrongType(key, "an integer", v);
    }

    public long requireLong(String key) {
        if (!metadata.containsKey(key)) throw new GGUFFormatException(path, -1, "missing metadata key " + SafeText.quoted(key));
        return getLong(key, 0);
    }

    public int getInt(String key, int dflt) {
        long v = getLong(key, dflt);
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) throw new GGUFFormatException(path, -1, "metadata " + SafeText.quoted(key) + " = " + v + " is out of range");
        return (int) v;
    }

    public int requireInt(String key) {
        requireLong(key);
        return getInt(key, 0);
    }

    public float getFloat(String key, float dflt) {
        Object v = value(key);
        if (v == null) return dflt;
        if (v instanceof Float f) return f;
        if (v instanceof Double d) return d.floatValue();
        if (v instanceof Long l) return l;
        throw wrongType(key, "a number", v);
    }

    public boolean getBool(String key, boolean dflt) {
        Object v = value(key);
        if (v == null) return dflt;
        if (v instanceof Boolean b) return b;
        throw wrongType(key, "a bool", v);
    }

    public String[] getStrings(String key) {
        Object v = value(key);
        if (v == null) return null;
        if (v instanceof String[] a) return a;
        throw wrongType(key, "an array of strings", v);
    }

    public float[] getFloats(String key) {
        Object v = value(key);
        if (v == null) return null;
        if (v instanceof float[] a) return a;
        throw wrongType(key, "an array of float32", v);
    }

    public long[] getLongs(String key) {
        Object v = value(key);
        if (v == null) return null;
        if (v instanceof long[] a) return a;
        throw wrongType(key, "an array of integers", v);
    }

    private GGUFFormatException wrongType(String key, String expected, Object v) {
        return new GGUFFormatException(path, -1, "metadata " + SafeText.quoted(key) + " should be " + expected + " but is " + v.getClass().getSimpleName());
    }

    /** Unmaps the file; tensors of this file must not be used afterwards. */
    @Override
    public void close() {
        if (arena.scope().isAlive()) {
            arena.close();
            if (onClose != null) {
                try {
                    onClose.close();
                } catch (Exception e) {
                    throw new IllegalStateException(path + ": cannot close: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Bounds-checked sequential reader over the mapped header. */
    private static final class Parser {
        private final Path path;
        private final MemorySegment seg;
        private final long size;
        private long pos;

        Parser(Path path, MemorySegment seg) {
            this.path = path;
            this.seg = seg;
            this.size = seg.byteSize();
        }

        GGUFFile parse(Arena arena) {
            if (size < 4) throw err(0, "truncated: " + size + " bytes is too short for a GGUF header");
            int magic = seg.get(I32, 0);
            if (magic != MAGIC) {
                throw err(0, String.format("bad magic 0x%08x, expected 0x%08x (\"GGUF\"); not a GGUF file", magic, MAGIC));
            }
            pos = 4;
            int version = u32("version");
            if (version == 1) throw err(4, "GGUF version 1 is not supported (supported: 2, 3)");
            if (version != 2 && version != 3) {
                if (Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3)
                    throw err(4, "big-endian GGUF is not supported");
                throw err(4, "unsupported GGUF version " + Integer.toUnsignedString(version) + " (supported: 2, 3)");
            }
            long tensorCountAt = pos;
            long tensorCount = i64("tensor_count");
            long kvCountAt = pos;
            long kvCount = i64("metadata_kv_count");
            // Every tensor info needs at least 8+4+8+4+8 bytes, every kv at least 8+4+1 bytes.
            if (tensorCount < 0 || tensorCount > (size - pos) / 32)
                throw err(tensorCountAt, "absurd tensor_count " + Long.toUnsignedString(tensorCount) + " for a file of " + size + " bytes");
            if (kvCount < 0 || kvCount > (size - pos) / 13)
                throw err(kvCountAt, "absurd metadata_kv_count " + Long.toUnsignedString(kvCount) + " for a file of " + size + " bytes");

            Map<String, GGUFValue> meta = new LinkedHashMap<>();
            for (long i = 0; i < kvCount; i++) {
                long at = pos;
                String key = string("metadata key #" + i);
                int typeId = u32("type of metadata " + SafeText.quoted(key));
                GGUFValueType type = GGUFValueType.byId(typeId);
                if (type == null) throw err(pos - 4, "metadata " + SafeText.quoted(key) + " has unknown value type " + typeId);
                GGUFValue value = value(key, type, 0);
                if (meta.put(key, value) != null) throw err(at, "duplicate metadata key " + SafeText.quoted(key));
            }

            int alignment = DEFAULT_ALIGNMENT;
            GGUFValue al = meta.get("general.alignment");
            if (al != null) {
                if (!(al.value() instanceof Long l) || l <= 0 || l > 1 << 20 || Long.bitCount(l) != 1)
                    throw err(-1, "general.alignment = " + al.value() + " is not a power of two");
                alignment = (int) (long) (Long) al.value();
            }

            record Raw(String name, long[] dims, GGMLType type, long offset, long at) {}
            List<Raw> raws = new java.util.ArrayList<>();
            for (long i = 0; i < tensorCount; i++) {
                long at = pos;
                String name = string("name of tensor #" + i);
                if (name.getBytes(StandardCharsets.UTF_8).length >= MAX_NAME)
                    throw err(at, "tensor #" + i + " has a name of " + name.getBytes(StandardCharsets.UTF_8).length + " bytes, "
                            + SafeText.quoted(name) + " (names are at most " + (MAX_NAME - 1) + " bytes, as in llama.cpp)");
                int nDims = u32("n_dims of tensor " + SafeText.quoted(name));
                if (nDims < 1 || nDims > MAX_DIMS) throw err(pos - 4, "tensor " + SafeText.quoted(name) + " has " + Integer.toUnsignedString(nDims) + " dimensions (1.." + MAX_DIMS + " allowed)");
                long[] dims = new long[nDims];
                long elements = 1;
                for (int d = 0; d < nDims; d++) {
                    dims[d] = i64("dim " + d + " of tensor " + SafeText.quoted(name));
                    if (dims[d] <= 0 || dims[d] > (1L << 40)) throw err(pos - 8, "tensor " + SafeText.quoted(name) + " has absurd dimension " + Long.toUnsignedString(dims[d]));
                    if (dims[d] > (1L << 42) / elements) throw err(pos - 8, "tensor " + SafeText.quoted(name) + " has absurd element count");
                    elements *= dims[d];
                }
                int typeId = u32("type of tensor " + SafeText.quoted(name));
                GGMLType type = GGMLType.byId(typeId);
                if (type == null) throw err(pos - 4, "tensor " + SafeText.quoted(name) + " has unknown ggml type " + Integer.toUnsignedString(typeId));
                if (dims[0] % type.blockSize() != 0)
                    throw err(pos - 4, "tensor " + SafeText.quoted(name) + " has row length " + dims[0] + ", not a multiple of the " + type + " block size " + type.blockSize());
                long offset = i64("offset of tensor " + SafeText.quoted(name));
                raws.add(new Raw(name, dims, type, offset, at));
            }
            long dataOffset = (pos + alignment - 1) / alignment * alignment;
            if (tensorCount > 0 && dataOffset > size) throw err(pos, "truncated: tensor data section would start at " + dataOffset + " but the file has " + size + " bytes");

            Map<String, GGUFTensorInfo> tensors = new LinkedHashMap<>();
            // llama.cpp's rule: tensor data follow each other in the order of the infos, each padded to the
            // alignment. A different offset means a changed type id, an overlap or a wrong general.alignment.
            long expected = 0;
            Raw previous = null;
            for (Raw r : raws) {
                long bytes = r.type.byteSize(product(r.dims));
                String t = "tensor " + SafeText.quoted(r.name);
                if (r.offset < 0 || r.offset > size - dataOffset)
                    throw err(r.at, t + " has data offset " + Long.toUnsignedString(r.offset) + ", past the end of the file ("
                            + (size - dataOffset) + " bytes of tensor data from byte " + dataOffset + ")");
                if (r.offset % alignment != 0)
                    throw err(r.at, t + " has data offset " + r.offset + ", not a multiple of general.alignment = " + alignment
                            + (al == null ? " (the default)" : ""));
                if (r.offset != expected) {
                    String prev = previous == null ? "it is the first tensor" : "tensor " + SafeText.quoted(previous.name) + " ("
                            + previous.type + ", " + product(previous.dims) + " elements = " + previous.type.byteSize(product(previous.dims))
                            + " bytes) ends at " + expected;
                    String why = r.offset < expected ? "overlaps the data before it" : "leaves " + (r.offset - expected) + " unused bytes before it";
                    throw err(r.at, t + " has data offset " + r.offset + ", expected " + expected + ": " + prev + "; the tensor "
                            + why + " (a type id that does not match the data, or a wrong general.alignment)");
                }
                long start = dataOffset + r.offset;
                if (bytes > size - start)
                    throw err(r.at, t + " data [" + start + ", " + (start + bytes) + ") lies past the end of the file (" + size + " bytes)");
                MemorySegment data = seg.asSlice(start, bytes);
                if (tensors.put(r.name, new GGUFTensorInfo(r.name, r.dims, r.type, r.offset, data)) != null)
                    throw err(r.at, "duplicate tensor name " + SafeText.quoted(r.name));
                expected = r.offset + (bytes + alignment - 1) / alignment * alignment;
                previous = r;
            }
            List<String> warnings = new java.util.ArrayList<>();
            if (previous != null) {
                long end = dataOffset + previous.offset + previous.type.byteSize(product(previous.dims));
                if (size - end >= alignment)
                    warnings.add(path + ": " + (size - end) + " bytes after the last tensor's data (general.alignment = " + alignment
                            + " may be wrong, or the file holds more than its header says)");
            }
            return new GGUFFile(path, arena, seg, version, meta, tensors, alignment, dataOffset, warnings, null);
        }

        private static long product(long[] dims) {
            long n = 1;
            for (long d : dims) n *= d;
            return n;
        }

        private GGUFValue value(String key, GGUFValueType type, int depth) {
            return switch (type) {
                case UINT8 -> new GGUFValue(type, null, (long) (u8(key) & 0xff));
                case INT8 -> new GGUFValue(type, null, (long) u8(key));
                case UINT16 -> new GGUFValue(type, null, (long) (u16(key) & 0xffff));
                case INT16 -> new GGUFValue(type, null, (long) u16(key));
                case UINT32 -> new GGUFValue(type, null, Integer.toUnsignedLong(u32(key)));
                case INT32 -> new GGUFValue(type, null, (long) u32(key));
                case UINT64, INT64 -> new GGUFValue(type, null, i64(key));
                case FLOAT32 -> { need(4, key); float f = seg.get(F32, pos); pos += 4; yield new GGUFValue(type, null, f); }
                case FLOAT64 -> { need(8, key); double d = seg.get(F64, pos); pos += 8; yield new GGUFValue(type, null, d); }
                case BOOL -> {
                    long at = pos;
                    byte b = u8(key);
                    if (b != 0 && b != 1) throw err(at, "metadata " + SafeText.quoted(key) + " bool has value " + b);
                    yield new GGUFValue(type, null, b == 1);
                }
                case STRING -> new GGUFValue(type, null, string("metadata " + SafeText.quoted(key)));
                case ARRAY -> array(key, depth);
            };
        }

        private GGUFValue array(String key, int depth) {
            if (depth > 2) throw err(pos, "metadata " + SafeText.quoted(key) + " nests arrays too deeply");
            int et = u32("element type of metadata array " + SafeText.quoted(key));
            GGUFValueType type = GGUFValueType.byId(et);
            if (type == null) throw err(pos - 4, "metadata array " + SafeText.quoted(key) + " has unknown element type " + et);
            long countAt = pos;
            long n = i64("length of metadata array " + SafeText.quoted(key));
            long minBytes = type.size > 0 ? type.size : 8;
            if (n < 0 || n > (size - pos) / minBytes || n > Integer.MAX_VALUE - 8)
                throw err(countAt, "metadata array " + SafeText.quoted(key) + " has absurd length " + Long.toUnsignedString(n) + " (" + (size - pos) + " bytes remain)");
            int count = (int) n;
            switch (type) {
                case STRING -> {
                    String[] a = new String[count];
                    for (int i = 0; i < count; i++) a[i] = string("element " + i + " of metadata array " + SafeText.quoted(key));
                    return new GGUFValue(GGUFValueType.ARRAY, type, a);
                }
                case FLOAT32 -> {
                    float[] a = new float[count];
                    MemorySegment.copy(seg, F32, pos, a, 0, count);
                    pos += 4L * count;
                    return new GGUFValue(GGUFValueType.ARRAY, type, a);
                }
                case FLOAT64 -> {
                    double[] a = new double[count];
                    MemorySegment.copy(seg, F64, pos, a, 0, count);
                    pos += 8L * count;
                    return new GGUFValue(GGUFValueType.ARRAY, type, a);
                }
                case BOOL -> {
                    boolean[] a = new boolean[count];
                    for (int i = 0; i < count; i++) a[i] = u8(key) != 0;
                    return new GGUFValue(GGUFValueType.ARRAY, type, a);
                }
                case ARRAY -> {
                    GGUFValue[] a = new GGUFValue[count];
                    for (int i = 0; i < count; i++) a[i] = array(key + "[" + i + "]", depth + 1);
                    return new GGUFValue(GGUFValueType.ARRAY, type, a);
                }
                default -> {
                    long[] a = new long[count];
                    for (int i = 0; i < count; i++) a[i] = (Long) value(key, type, depth).value();
                    return new GGUFValue(GGUFValueType.ARRAY, type, a);
                }
            }
        }

        private void need(long n, String what) {
            if (n > size - pos) throw err(pos, "truncated while reading " + what + ": need " + n + " bytes, " + (size - pos) + " remain");
        }

        private byte u8(String what) { need(1, what); return seg.get(ValueLayout.JAVA_BYTE, pos++); }
        private short u16(String what) { need(2, what); short v = seg.get(I16, pos); pos += 2; return v; }
        private int u32(String what) { need(4, what); int v = seg.get(I32, pos); pos += 4; return v; }
        private long i64(String what) { need(8, what); long v = seg.get(I64, pos); pos += 8; return v; }

        private String string(String what) {
            long at = pos;
            long len = i64("length of " + what);
            if (len < 0 || len > size - pos) throw err(at, "absurd string length " + Long.toUnsignedString(len) + " for " + what + " (" + (size - pos) + " bytes remain)");
            if (len > Integer.MAX_VALUE - 8) throw err(at, "string too long for " + what);
            byte[] b = new byte[(int) len];
            MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
            pos += len;
            return new String(b, StandardCharsets.UTF_8);
        }

        private GGUFFormatException err(long offset, String msg) {
            return new GGUFFormatException(path, offset, msg);
        }
    }
}
