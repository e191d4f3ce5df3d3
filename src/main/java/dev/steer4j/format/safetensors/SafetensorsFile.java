package dev.steer4j.format.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A memory-mapped safetensors file: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
 * shape and byte range, then the raw tensor bytes. The whole file is mapped once with FFM; tensor data are slices of
 * the mapping. Every range is checked against the file size and the dtype × shape, and a tensor of a dtype steer4j
 * does not read (I8, F64 ...) is refused when it is looked up, naming it. {@link #close()} unmaps the file.
 */
public final class SafetensorsFile implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final Arena arena;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> unreadable;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, SafetensorsTensor> tensors, Map<String, String> unreadable,
                            Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = Collections.unmodifiableMap(tensors);
        this.unreadable = unreadable;
        this.metadata = Collections.unmodifiableMap(metadata);
    }

    /** Maps and parses a safetensors file. */
    public static SafetensorsFile open(Path path) {
        if (!Files.isRegularFile(path)) throw new SafetensorsFormatException(path, Files.isDirectory(path) ? "is a directory, not a safetensors file" : "file not found");
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new SafetensorsFormatException(path, "truncated: " + size + " bytes is too short for a safetensors header");
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = seg.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n <= 1 || n > MAX_HEADER || n > size - 8)
                throw new SafetensorsFormatException(path, "header length " + Long.toUnsignedString(n) + " is impossible for a file of " + size + " bytes");
            byte[] header = seg.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            JsonNode root;
            try {
                root = JSON.readTree(header);
            } catch (IOException e) {
                throw new SafetensorsFormatException(path, "header is not valid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
            }
            if (root == null || !root.isObject()) throw new SafetensorsFormatException(path, "header is not a JSON object");
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
            Map<String, String> unreadable = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                String name = e.getKey();
                JsonNode t = e.getValue();
                if (name.equals("__metadata__")) {
                    if (t.isObject()) for (Map.Entry<String, JsonNode> m : t.properties()) meta.put(m.getKey(), m.getValue().asText());
                    continue;
                }
                String dtype = t.path("dtype").asText(null);
                JsonNode shapeNode = t.path("shape"), off = t.path("data_offsets");
                if (dtype == null || !shapeNode.isArray() || !off.isArray() || off.size() != 2)
                    throw new SafetensorsFormatException(path, "tensor '" + name + "' needs dtype, shape and data_offsets [begin, end]");
                long[] shape = new long[shapeNode.size()];
                long count = 1;
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeNode.get(i).asLong(-1);
                    if (!shapeNode.get(i).canConvertToLong() || shape[i] < 0)
                        throw new SafetensorsFormatException(path, "tensor '" + name + "' has bad dimension " + shapeNode.get(i));
                    count = Math.multiplyExact(count, shape[i]);
                }
                long begin = off.get(0).asLong(-1), end = off.get(1).asLong(-1);
                if (begin < 0 || end < begin || end > dataSize)
                    throw new SafetensorsFormatException(path, "tensor '" + name + "' data_offsets [" + off.get(0) + ", " + off.get(1)
                            + "] lie outside the " + dataSize + " data bytes");
                SafetensorsDType type = SafetensorsDType.byName(dtype);
                if (type == null) {
                    unreadable.put(name, dtype);
                    continue;
                }
                if (end - begin != count * type.bytes)
                    throw new SafetensorsFormatException(path, "tensor '" + name + "' has " + (end - begin) + " bytes but " + dtype
                            + " " + java.util.Arrays.toString(shape) + " needs " + count * type.bytes);
                tensors.put(name, new SafetensorsTensor(name, type, shape, seg.asSlice(dataStart + begin, end - begin)));
            }
            return new SafetensorsFile(path, arena, tensors, unreadable, meta);
        } catch (IOException e) {
            arena.close();
            throw new SafetensorsFormatException(path, "cannot read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public Path path() { return path; }

    /** Tensors of a readable dtype, in header order. */
    public Map<String, SafetensorsTensor> tensors() { return tensors; }

    /** The header's {@code __metadata__} strings. */
    public Map<String, String> metadata() { return metadata; }

    /** Whether the header names this tensor (of any dtype). */
    public boolean has(String name) { return tensors.containsKey(name) || unreadable.containsKey(name); }

    /** The tensor, null if absent; an error if it is present in a dtype steer4j does not read. */
    public SafetensorsTensor tensor(String name) {
        String bad = unreadable.get(name);
        if (bad != null) throw new SafetensorsFormatException(path, "tensor '" + name + "' has dtype " + bad + " (supported: F32, F16, BF16)");
        return tensors.get(name);
    }

    @Override
    public void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
