package dev.steer4j.format.pytorch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the float32 state dict of a PyTorch checkpoint written by {@code torch.save} (the zip container:
 * {@code <archive>/data.pkl} plus one {@code <archive>/data/<key>} entry per storage). The pickle goes through
 * {@link SafeUnpickler}, so a checkpoint that tries to run code is refused before anything is built. The top level
 * may be the state dict itself or a dict holding it under {@code state_dict} or {@code model_state_dict}.
 */
public final class TorchCheckpoint {
    private static final long MAX_PICKLE = 64L << 20;

    private TorchCheckpoint() {}

    /** The tensors in file order, by state-dict key. */
    public static Map<String, FloatTensor> readStateDict(Path path) {
        if (!Files.isRegularFile(path)) throw new CheckpointException(path + ": no such file");
        try (ZipFile zip = new ZipFile(path.toFile())) {
            String pkl = null;
            for (Enumeration<? extends ZipEntry> en = zip.entries(); en.hasMoreElements(); ) {
                String n = en.nextElement().getName();
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                    if (pkl != null) throw new CheckpointException(path + ": two pickles in the archive (" + pkl + ", " + n + ")");
                    pkl = n;
                }
            }
            if (pkl == null) throw new CheckpointException(path + ": not a torch.save archive (no <name>/data.pkl entry)");
            String prefix = pkl.substring(0, pkl.length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(prefix + "byteorder");
            if (order != null) {
                String bo = new String(read(zip, order, 16, path), java.nio.charset.StandardCharsets.US_ASCII).trim();
                if (!bo.equals("little")) throw new CheckpointException(path + ": byte order '" + bo + "' is not supported (little only)");
            }
            Object top = SafeUnpickler.load(read(zip, zip.getEntry(pkl), MAX_PICKLE, path), path + "!" + pkl);
            Map<?, ?> dict = stateDict(top, path);
            Map<String, FloatTensor> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : dict.entrySet()) {
                if (!(e.getKey() instanceof String name)) throw new CheckpointException(path + ": state dict key " + e.getKey() + " is not a string");
                if (!(e.getValue() instanceof TensorRef t)) throw new CheckpointException(path + ": state dict entry '" + name + "' is not a tensor");
                out.put(name, materialise(zip, prefix, name, t, path));
            }
            return Collections.unmodifiableMap(out);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path + ": no such file", e);
        } catch (ZipException e) {
            throw new CheckpointException(path + ": not a zip archive (torch.save's legacy non-zip format is not supported): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CheckpointException(path + ": " + e.getMessage(), e);
        }
    }

    private static Map<?, ?> stateDict(Object top, Path path) {
        if (!(top instanceof Map<?, ?> m)) throw new CheckpointException(path + ": the pickle holds no dict at the top level");
        for (String k : new String[]{"state_dict", "model_state_dict"}) {
            if (m.get(k) instanceof Map<?, ?> inner) return inner;
        }
        if (!m.isEmpty() && m.values().stream().allMatch(v -> v instanceof TensorRef)) return m;
        throw new CheckpointException(path + ": no state dict found (top-level keys: " + m.keySet() + "; expected tensors, or a 'state_dict' or 'model_state_dict' entry)");
    }

    private static FloatTensor materialise(ZipFile zip, String prefix, String name, TensorRef t, Path path) throws IOException {
        String entry = prefix + "data/" + t.storage().key();
        ZipEntry ze = zip.getEntry(entry);
        if (ze == null) throw new CheckpointException(path + ": tensor '" + name + "' refers to storage " + entry + ", which is not in the archive");
        long bytes = t.storage().numel() * 4;
        if (bytes > Integer.MAX_VALUE) throw new CheckpointException(path + ": storage " + entry + " is too large");
        byte[] raw = read(zip, ze, bytes, path);
        if (raw.length != bytes) throw new CheckpointException(path + ": storage " + entry + " has " + raw.length + " bytes, expected " + bytes + " (" + t.storage().numel() + " float32)");
        long numel = t.numel();
        int[] shape = new int[t.shape().length];
        for (int i = 0; i < shape.length; i++) {
            if (t.shape()[i] > Integer.MAX_VALUE) throw new CheckpointException(path + ": tensor '" + name + "' dimension too large");
            shape[i] = (int) t.shape()[i];
        }
        // the largest element offset this view touches must lie inside the storage
        long last = t.offset();
        for (int i = 0; i < shape.length; i++) if (shape[i] > 0) last += (shape[i] - 1L) * t.stride()[i];
        if (numel > 0 && (t.offset() < 0 || last >= t.storage().numel()))
            throw new CheckpointException(path + ": tensor '" + name + "' reaches element " + last + " of a storage with " + t.storage().numel());
        var fb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[] data = new float[(int) numel];
        int[] idx = new int[shape.length];
        for (int i = 0; i < numel; i++) {
            long off = t.offset();
            for (int d = 0; d < shape.length; d++) off += idx[d] * t.stride()[d];
            data[i] = fb.get((int) off);
            for (int d = shape.length - 1; d >= 0; d--) {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
        return new FloatTensor(name, shape, data);
    }

    private static byte[] read(ZipFile zip, ZipEntry e, long limit, Path path) throws IOException {
        if (e.getSize() > limit) throw new CheckpointException(path + ": entry " + e.getName() + " is larger than expected (" + e.getSize() + " > " + limit + " bytes)");
        try (InputStream in = zip.getInputStream(e)) {
            byte[] r = in.readNBytes((int) Math.min(limit, Integer.MAX_VALUE - 8) + 1);
            if (r.length > limit) throw new CheckpointException(path + ": entry " + e.getName() + " is larger than expected");
            return r;
        }
    }
}
