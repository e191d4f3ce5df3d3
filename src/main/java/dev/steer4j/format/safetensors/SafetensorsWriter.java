package dev.steer4j.format.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Writes a safetensors file: tensors in insertion order, the JSON header padded with spaces to a multiple of 8 bytes
 * (so F32 data stay aligned), {@code __metadata__ = {"format": "pt"}} plus any given strings. Tensor bytes are
 * supplied at write time so large tensors stream from a mapping; the file goes to a temporary sibling and is moved
 * into place only when complete.
 */
public final class SafetensorsWriter {
    private record Pending(String name, SafetensorsDType dtype, long[] shape, long bytes, Supplier<MemorySegment> data) {}

    private final List<Pending> tensors = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>(Map.of("format", "pt"));

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor whose little-endian bytes are {@code data} (row-major {@code shape}). */
    public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, MemorySegment data) {
        return add(name, dtype, shape, () -> data);
    }

    /** Adds a tensor whose bytes are produced only when the file is written (one tensor in memory at a time). */
    public SafetensorsWriter add(String name, SafetensorsDType dtype, long[] shape, Supplier<MemorySegment> data) {
        long n = 1;
        for (long d : shape) n *= d;
        for (Pending p : tensors) if (p.name.equals(name)) throw new IllegalArgumentException("duplicate tensor '" + name + "'");
        tensors.add(new Pending(name, dtype, shape.clone(), n * dtype.bytes, data));
        return this;
    }

    /** Adds an F32 tensor computed at write time. */
    public SafetensorsWriter addF32(String name, long[] shape, Supplier<float[]> values) {
        return add(name, SafetensorsDType.F32, shape, () -> MemorySegment.ofArray(toLittleEndian(values.get())));
    }

    private static byte[] toLittleEndian(float[] v) {
        ByteBuffer bb = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) bb.putFloat(f);
        return bb.array();
    }

    /** The tensor names added so far, in order. */
    public List<String> names() {
        return tensors.stream().map(Pending::name).toList();
    }

    public void write(Path path) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        ObjectNode meta = header.putObject("__metadata__");
        metadata.forEach(meta::put);
        long offset = 0;
        for (Pending t : tensors) {
            ObjectNode n = header.putObject(t.name);
            n.put("dtype", t.dtype.name());
            ArrayNode s = n.putArray("shape");
            for (long d : t.shape) s.add(d);
            n.putArray("data_offsets").add(offset).add(offset + t.bytes);
            offset += t.bytes;
        }
        byte[] h = json.writeValueAsBytes(header);
        int padded = (h.length + 8 + 7) / 8 * 8 - 8;
        byte[] hp = new byte[padded];
        System.arraycopy(h, 0, hp, 0, h.length);
        for (int i = h.length; i < padded; i++) hp[i] = ' ';
        Path dir = path.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + path.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".part");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), 1 << 16)) {
                byte[] len = new byte[8];
                for (int i = 0; i < 8; i++) len[i] = (byte) ((long) padded >> (8 * i));
                out.write(len);
                out.write(hp);
                byte[] buf = new byte[1 << 20];
                for (Pending t : tensors) {
                    MemorySegment data = t.data.get();
                    if (data.byteSize() != t.bytes)
                        throw new IOException("tensor '" + t.name + "' has " + data.byteSize() + " bytes, expected " + t.bytes);
                    for (long off = 0; off < data.byteSize(); off += buf.length) {
                        int n = (int) Math.min(buf.length, data.byteSize() - off);
                        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, off, buf, 0, n);
                        out.write(buf, 0, n);
                    }
                }
            }
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

}
