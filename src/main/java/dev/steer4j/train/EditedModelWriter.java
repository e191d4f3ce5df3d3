package dev.steer4j.train;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFWriter;
import dev.steer4j.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes a model with some tensors replaced (as F32) and every other tensor copied byte for byte from the source,
 * so the result loads in steer4j and llama.cpp like the original.
 */
public final class EditedModelWriter {
    private EditedModelWriter() {}

    /**
     * @param replaced GGUF tensor name → row-major values (rows × cols as the source tensor)
     * @param extra    metadata to add (for example {@code steer4j.edit.method})
     */
    public static void write(Model model, Map<String, float[]> replaced, Path out, String name, Map<String, String> extra) {
        GGUFFile f = model.file();
        if (f.path() != null && out.toAbsolutePath().normalize().equals(f.path().toAbsolutePath().normalize()))
            throw new IllegalArgumentException("refusing to overwrite the model being read (" + out + "); choose another output file");
        for (String n : replaced.keySet())
            if (f.tensor(n) == null) throw new IllegalArgumentException("the model has no tensor '" + n + "' to replace");
        GGUFWriter w = new GGUFWriter();
        w.putAll(f.metadata());
        w.put("general.name", GGUFValue.of(name));
        extra.forEach((k, v) -> w.put(k, GGUFValue.of(v)));
        for (GGUFTensorInfo t : f.tensors().values()) {
            float[] values = replaced.get(t.name());
            if (values != null) {
                if (values.length != t.elementCount())
                    throw new IllegalArgumentException(t.name() + ": " + values.length + " values for a tensor of " + t.elementCount());
                w.addF32(t.name(), t.dims(), values);
            } else {
                w.addSegment(t.name(), t.dims(), t.type(), t.data());
            }
        }
        try {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }
}
