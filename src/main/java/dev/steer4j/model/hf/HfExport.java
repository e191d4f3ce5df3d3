package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.format.gguf.GGMLType;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.safetensors.SafetensorsDType;
import dev.steer4j.format.safetensors.SafetensorsWriter;
import dev.steer4j.model.ModelException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * GGUF-named tensors written back in Hugging Face layout: the reverse of {@link HfModelView}'s mapping (HF names,
 * shapes, and the inverse of each {@link HfLayout}). Used to write orthogonalised HF models and, in tests, to turn the
 * GGUF oracle models into safetensors.
 */
public final class HfExport {
    private final HfFamily family;
    private final int heads, kvHeads;
    private final SafetensorsWriter writer = new SafetensorsWriter();

    /** An exporter for a GGUF file's (or view's) family and head counts. */
    public HfExport(GGUFFile f) {
        String arch = f.requireString("general.architecture");
        this.family = HfFamily.ofGguf(arch);
        if (family == null) throw new ModelException(f.path() + ": architecture '" + arch + "' has no Hugging Face mapping");
        this.heads = f.requireInt(arch + ".attention.head_count");
        this.kvHeads = f.getInt(arch + ".attention.head_count_kv", heads);
    }

    /** Tensors llama.cpp's converter derives from config.json; they have no safetensors counterpart. */
    public static boolean derivedFromConfig(String ggufName) {
        return ggufName.equals("rope_freqs.weight");
    }

    /** The HF name of a GGUF tensor, or an error naming it. */
    public String hfName(String ggufName) {
        return rule(ggufName).toHf(ggufName);
    }

    private HfTensorRule rule(String ggufName) {
        HfTensorRule r = family.ruleForGguf(ggufName);
        if (r == null) throw new ModelException("tensor '" + ggufName + "' has no Hugging Face name in the " + family.ggufArch + " mapping");
        return r;
    }

    /**
     * Adds one GGUF tensor (F32, F16 or BF16), under its HF name and in HF layout; {@code data} is read at write time.
     */
    public HfExport add(String ggufName, GGMLType type, long[] dims, Supplier<MemorySegment> data) {
        HfTensorRule r = rule(ggufName);
        HfLayout inverse = r.layout().inverse();
        SafetensorsDType dtype = switch (type) {
            case F32 -> SafetensorsDType.F32;
            case F16 -> SafetensorsDType.F16;
            case BF16 -> SafetensorsDType.BF16;
            default -> throw new ModelException("tensor '" + ggufName + "' is " + type + "; safetensors output takes F32, F16 or BF16");
        };
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) shape[i] = dims[dims.length - 1 - i];
        long rows = shape[0], cols = shape.length == 1 ? 1 : shape[1];
        for (int i = 2; i < shape.length; i++) cols *= shape[i];
        if (inverse == HfLayout.TRANSPOSE) shape = new long[]{cols, rows};
        if (inverse == HfLayout.MINUS_ONE || inverse == HfLayout.PLUS_ONE) dtype = SafetensorsDType.F32;
        int h = HfFamily.permuteHeads(inverse, heads, kvHeads);
        HfTensorLayouts.Kind kind = HfTensorLayouts.Kind.valueOf(type.name());
        final long fr = rows, fc = cols;
        writer.add(r.toHf(ggufName), dtype, shape, () -> {
            MemorySegment src = data.get();
            if (inverse == HfLayout.AS_IS) return src;
            // a confined arena would die before the writer reads the bytes; the segment is garbage-collected instead
            return HfTensorLayouts.apply(inverse, src, kind, fr, fc, h, Arena.ofAuto());
        });
        return this;
    }

    public void write(Path file) {
        try {
            writer.write(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes a whole GGUF model (F32/F16/BF16 tensors) as a Hugging Face directory: config.json from its metadata and
     * the weights in {@code shards} safetensors files (with {@code model.safetensors.index.json} when more than one).
     */
    public static void writeModel(GGUFFile f, Path dir, int shards) {
        HfExport probe = new HfExport(f);
        List<GGUFTensorInfo> all = new ArrayList<>();
        for (GGUFTensorInfo t : f.tensors().values()) if (!derivedFromConfig(t.name())) all.add(t);
        try {
            Files.createDirectories(dir);
            ObjectMapper json = new ObjectMapper();
            json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("config.json").toFile(), probe.family.configFromGguf(f));
            Map<String, String> weightMap = new LinkedHashMap<>();
            int per = (all.size() + shards - 1) / shards;
            for (int s = 0; s < shards; s++) {
                HfExport e = new HfExport(f);
                String file = shards == 1 ? "model.safetensors" : String.format("model-%05d-of-%05d.safetensors", s + 1, shards);
                for (GGUFTensorInfo t : all.subList(Math.min(all.size(), s * per), Math.min(all.size(), (s + 1) * per))) {
                    e.add(t.name(), t.type(), t.dims(), t::data);
                    weightMap.put(e.hfName(t.name()), file);
                }
                e.write(dir.resolve(file));
            }
            if (shards > 1) {
                var index = json.createObjectNode();
                index.putObject("metadata");
                var wm = index.putObject("weight_map");
                weightMap.forEach(wm::put);
                json.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("model.safetensors.index.json").toFile(), index);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
        }
    }
}
