package dev.steer4j.steer;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFFormatException;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * llama.cpp control-vector files: a GGUF with {@code general.architecture = controlvector},
 * {@code controlvector.model_hint}, {@code controlvector.layer_count} and one F32 1-D tensor {@code direction.N} per
 * steered block N (N >= 1; llama.cpp refuses {@code direction.0}, so we do too). steer4j adds its provenance as
 * {@code steer4j.*} strings, which llama.cpp ignores. Files written by llama.cpp's {@code cvector-generator} or by
 * repeng's {@code export_gguf} load unchanged.
 */
public final class ControlVectorFile {
    public static final String ARCH = "controlvector";
    public static final String VERSION = "0.1.0";
    /** Largest vector width accepted (2^24 values). */
    static final int MAX_DIM = 1 << 24;
    private static final Pattern DIRECTION = Pattern.compile("direction\\.(\\d{1,9})");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ControlVectorFile() {}

    /** Reads a control vector; the vector's metadata keeps the file name as {@code extra.source}. */
    public static SteeringVector read(Path path) {
        if (!Files.exists(path)) throw new VectorFileException(path, "vector file " + path + " does not exist");
        if (Files.isDirectory(path)) throw new VectorFileException(path, "vector file " + path + " is a directory");
        GGUFFile f;
        try {
            f = GGUFFile.open(path);
        } catch (GGUFFormatException e) {
            throw new VectorFileException(path, "vector file " + path + " is not a valid GGUF file: " + e.getMessage(), e);
        }
        try (f) {
            return fromGGUF(f, path);
        }
    }

    /** The control vector held by an open GGUF file; {@code path} names it in errors and in {@code extra.source}. */
    public static SteeringVector fromGGUF(GGUFFile f, Path path) {
        {
            String arch = f.getString("general.architecture", null);
            if (arch != null && !arch.equals(ARCH))
                throw new VectorFileException(path, "vector file " + path + ": general.architecture is " + dev.steer4j.util.SafeText.quoted(arch) + ", expected '" + ARCH + "' (is this a model rather than a control vector?)");
            TreeMap<Integer, float[]> dirs = new TreeMap<>();
            Map<Integer, String> names = new java.util.HashMap<>();
            int dim = -1;
            for (GGUFTensorInfo t : f.tensors().values()) {
                Matcher m = DIRECTION.matcher(t.name());
                if (!m.matches())
                    throw new VectorFileException(path, "vector file " + path + ": tensor " + dev.steer4j.util.SafeText.quoted(t.name()) + " is not named direction.N");
                int layer = Integer.parseInt(m.group(1));
                if (layer == 0)
                    throw new VectorFileException(path, "vector file " + path + ": tensor direction.0 is not allowed (llama.cpp control vectors start at layer 1 and llama.cpp refuses files with direction.0)");
                if (t.type() != GGMLType.F32)
                    throw new VectorFileException(path, "vector file " + path + ": tensor " + t.name() + " has type " + t.type() + ", expected F32");
                if (t.dims().length != 1)
                    throw new VectorFileException(path, "vector file " + path + ": tensor " + t.name() + " has shape " + t.shapeString() + ", expected 1-D");
                if (t.dims()[0] > MAX_DIM)
                    throw new VectorFileException(path, "vector file " + path + ": tensor " + t.name() + " has " + t.dims()[0] + " values (at most " + MAX_DIM + ")");
                int n = (int) t.dims()[0];
                if (dim < 0) dim = n;
                else if (n != dim)
                    throw new VectorFileException(path, "vector file " + path + ": tensor " + t.name() + " has " + n + " values but " + "direction." + dirs.firstKey() + " has " + dim);
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = t.data().getAtIndex(F32, i);
                    if (!Float.isFinite(v[i]))
                        throw new VectorFileException(path, "vector file " + path + ": tensor " + t.name() + " holds a non-finite value " + v[i] + " at index " + i);
                }
                float[] before = dirs.put(layer, v);
                if (before != null)
                    throw new VectorFileException(path, "vector file " + path + ": tensors " + names.get(layer) + " and " + t.name() + " both name layer " + layer);
                names.put(layer, t.name());
            }
            if (dirs.isEmpty()) throw new VectorFileException(path, "vector file " + path + " has no direction.N tensors");
            Map<String, String> extra = new LinkedHashMap<>();
            extra.put("source", path.toString());
            String hint = f.getString(ARCH + ".model_hint", null);
            if (hint != null) extra.put("model_hint", hint);
            for (var e : f.metadata().entrySet()) {
                if (e.getKey().startsWith("steer4j.extra.") && e.getValue().value() instanceof String s)
                    extra.put(e.getKey().substring("steer4j.extra.".length()), s);
            }
            VectorMetadata md = new VectorMetadata(
                    f.getString("steer4j.method", arch == null ? null : "llama.cpp"),
                    f.getString("steer4j.site", "resid_post"),
                    f.getString("steer4j.read_position", null),
                    f.getString("steer4j.dataset", null),
                    f.getString("steer4j.dataset_sha256", null),
                    f.getString("steer4j.model", null),
                    extra);
            return SteeringVector.of(dirs, md);
        }
    }

    /** Reads a control vector and checks it against a model (width and layers). */
    public static SteeringVector readFor(Path path, Model model) {
        SteeringVector v = read(path);
        checkFits(path, v, model);
        return v;
    }

    /** Width and layer checks with errors that name the file and the model. */
    public static void checkFits(Path path, SteeringVector v, Model model) {
        String name = Steering.modelName(model);
        int dim = model.config().dim();
        int layers = model.config().layers();
        if (v.dim() != dim)
            throw new VectorFileException(path, "vector file " + path + " has n_embd " + v.dim() + " but model " + name + " has " + dim);
        int last = v.layers().lastKey();
        if (last >= layers)
            throw new VectorFileException(path, "vector file " + path + " has a direction for layer " + last + " but model " + name + " has layers 0-" + (layers - 1));
    }

    /** Writes {@code v} as a llama.cpp control vector. Layer 0 cannot be stored (llama.cpp refuses direction.0). */
    public static void write(Path path, SteeringVector v) {
        if (v.has(0))
            throw new VectorFileException(path, "cannot write " + path + ": the vector has a direction for layer 0, which llama.cpp control vectors cannot hold (restrict it to layers >= 1)");
        VectorMetadata m = v.metadata();
        GGUFWriter w = new GGUFWriter();
        w.putString("general.architecture", ARCH);
        String hint = m.extra().getOrDefault("model_hint", "llama");
        w.putString(ARCH + ".model_hint", hint);
        w.putInt32(ARCH + ".layer_count", v.layers().size());
        putIf(w, "steer4j.method", m.method());
        putIf(w, "steer4j.site", m.site());
        putIf(w, "steer4j.read_position", m.readPosition());
        putIf(w, "steer4j.dataset", m.dataset());
        putIf(w, "steer4j.dataset_sha256", m.datasetHash());
        putIf(w, "steer4j.model", m.model());
        w.putString("steer4j.version", VERSION);
        for (var e : m.extra().entrySet()) {
            if (!e.getKey().equals("source") && !e.getKey().equals("model_hint")) w.put("steer4j.extra." + e.getKey(), GGUFValue.of(e.getValue()));
        }
        for (var e : v.layers().entrySet()) w.addF32("direction." + e.getKey(), new long[]{e.getValue().length}, e.getValue());
        try {
            w.write(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write vector file " + path + ": " + e.getMessage(), e);
        }
    }

    private static void putIf(GGUFWriter w, String key, String value) {
        if (value != null) w.putString(key, value);
    }
}
