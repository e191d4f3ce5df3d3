package dev.steer4j.steer;

import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFFormatException;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;
import dev.steer4j.util.SafeText;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LoReFT intervention files: a GGUF adapter in the spirit of llama.cpp's LoRA adapters ({@code general.type =
 * adapter}, {@code adapter.type = loreft}, {@code general.architecture} of the model it was trained on) with
 * {@code adapter.loreft.rank}, {@code adapter.loreft.positions} and, per steered block L, the F32 tensors
 * {@code blk.L.loreft.rotation} and {@code blk.L.loreft.weight} (rank rows of n_embd) and {@code blk.L.loreft.bias}
 * (rank values). Provenance is kept as {@code steer4j.*} strings. llama.cpp has no LoReFT, so only steer4j applies it.
 */
public final class ReftFile {
    public static final String ADAPTER_TYPE = "loreft";
    private static final Pattern NAME = Pattern.compile("blk\\.(\\d{1,6})\\.loreft\\.(rotation|weight|bias)");
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int MAX_DIM = 1 << 20;

    private ReftFile() {}

    public static void write(Path path, ReftIntervention reft, String architecture) {
        GGUFWriter w = new GGUFWriter();
        w.putString("general.type", "adapter");
        w.putString("general.architecture", architecture == null ? "llama" : architecture);
        w.putString("adapter.type", ADAPTER_TYPE);
        w.putUInt32("adapter.loreft.rank", reft.rank());
        w.putUInt32("adapter.loreft.n_embd", reft.dim());
        w.putString("adapter.loreft.positions", reft.positions().toString());
        for (var e : reft.metadata().entrySet()) if (!e.getKey().equals("source")) w.put("steer4j." + e.getKey(), GGUFValue.of(e.getValue()));
        for (var e : reft.layers().entrySet()) {
            String p = "blk." + e.getKey() + ".loreft.";
            w.addF32(p + "rotation", new long[]{reft.dim(), reft.rank()}, e.getValue().rotation());
            w.addF32(p + "weight", new long[]{reft.dim(), reft.rank()}, e.getValue().weight());
            w.addF32(p + "bias", new long[]{reft.rank()}, e.getValue().bias());
        }
        try {
            w.write(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ReFT file " + path + ": " + e.getMessage(), e);
        }
    }

    public static ReftIntervention read(Path path) {
        if (!Files.isRegularFile(path)) throw new VectorFileException(path, "ReFT file " + path + " does not exist");
        GGUFFile f;
        try {
            f = GGUFFile.open(path);
        } catch (GGUFFormatException e) {
            throw new VectorFileException(path, "ReFT file " + path + " is not a valid GGUF file: " + e.getMessage(), e);
        }
        try (f) {
            return fromGGUF(f, path);
        }
    }

    static ReftIntervention fromGGUF(GGUFFile f, Path path) {
        String what = "ReFT file " + path;
        String type = f.getString("adapter.type", null);
        if (!ADAPTER_TYPE.equals(type))
            throw new VectorFileException(path, what + ": adapter.type is " + (type == null ? "missing" : SafeText.quoted(type)) + ", expected '" + ADAPTER_TYPE + "'");
        long rank = number(f, "adapter.loreft.rank", path), dim = number(f, "adapter.loreft.n_embd", path);
        if (rank < 1 || dim < 1 || dim > MAX_DIM || rank > dim)
            throw new VectorFileException(path, what + ": adapter.loreft.rank " + rank + " and n_embd " + dim + " need 1 <= rank <= n_embd <= " + MAX_DIM);
        ReftPositions positions;
        try {
            positions = ReftPositions.parse(f.getString("adapter.loreft.positions", "f1+l1"));
        } catch (IllegalArgumentException e) {
            throw new VectorFileException(path, what + ": adapter.loreft.positions: " + e.getMessage(), e);
        }
        Map<Integer, Map<String, float[]>> parts = new TreeMap<>();
        for (GGUFTensorInfo t : f.tensors().values()) {
            Matcher m = NAME.matcher(t.name());
            if (!m.matches()) throw new VectorFileException(path, what + ": tensor " + SafeText.quoted(t.name()) + " is not blk.L.loreft.{rotation,weight,bias}");
            if (t.type() != GGMLType.F32) throw new VectorFileException(path, what + ": tensor " + t.name() + " has type " + t.type() + ", expected F32");
            boolean bias = m.group(2).equals("bias");
            long[] want = bias ? new long[]{rank} : new long[]{dim, rank};
            if (!java.util.Arrays.equals(t.dims(), want))
                throw new VectorFileException(path, what + ": tensor " + t.name() + " has shape " + t.shapeString() + ", expected " + java.util.Arrays.toString(want));
            float[] v = new float[(int) t.elementCount()];
            for (int i = 0; i < v.length; i++) v[i] = t.data().getAtIndex(F32, i);
            parts.computeIfAbsent(Integer.parseInt(m.group(1)), k -> new HashMap<>()).put(m.group(2), v);
        }
        if (parts.isEmpty()) throw new VectorFileException(path, what + " has no blk.L.loreft tensors");
        Map<Integer, ReftIntervention.Layer> layers = new TreeMap<>();
        for (var e : parts.entrySet()) {
            for (String n : new String[]{"rotation", "weight", "bias"})
                if (!e.getValue().containsKey(n)) throw new VectorFileException(path, what + ": layer " + e.getKey() + " has no tensor blk." + e.getKey() + ".loreft." + n);
            layers.put(e.getKey(), new ReftIntervention.Layer(e.getValue().get("rotation"), e.getValue().get("weight"), e.getValue().get("bias")));
        }
        Map<String, String> md = new LinkedHashMap<>();
        for (var e : f.metadata().entrySet())
            if (e.getKey().startsWith("steer4j.") && e.getValue().value() instanceof String s) md.put(e.getKey().substring(8), s);
        md.put("source", path.toString());
        try {
            return new ReftIntervention((int) dim, (int) rank, positions, layers, md);
        } catch (IllegalArgumentException e) {
            throw new VectorFileException(path, what + ": " + e.getMessage(), e);
        }
    }

    /** Reads a ReFT file and checks it against a model (width and layers). */
    public static ReftIntervention readFor(Path path, Model model) {
        ReftIntervention r = read(path);
        checkFits(r, model, "ReFT file " + path);
        return r;
    }

    public static void checkFits(ReftIntervention r, Model model, String what) {
        if (r.dim() != model.config().dim())
            throw new IllegalArgumentException(what + " has n_embd " + r.dim() + " but model " + Steering.modelName(model) + " has " + model.config().dim());
        if (r.layers().lastKey() >= model.config().layers())
            throw new IllegalArgumentException(what + " edits layer " + r.layers().lastKey() + " but model " + Steering.modelName(model) + " has layers 0-" + (model.config().layers() - 1));
    }

    private static long number(GGUFFile f, String key, Path path) {
        Object v = f.has(key) ? f.value(key) : null;
        if (v instanceof Number n) return n.longValue();
        throw new VectorFileException(path, "ReFT file " + path + ": " + key + " is " + (v == null ? "missing" : "not a number"));
    }
}
