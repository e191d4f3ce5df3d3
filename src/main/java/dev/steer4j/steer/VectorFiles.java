package dev.steer4j.steer;

import dev.steer4j.model.Model;

import java.nio.file.Path;
import java.util.Locale;

/** Reads and writes vectors by file name: {@code .json} is {@link VectorJson}, anything else a llama.cpp control-vector GGUF. */
public final class VectorFiles {
    private VectorFiles() {}

    public static boolean isJson(Path p) {
        return p.getFileName() != null && p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
    }

    public static SteeringVector read(Path p) {
        return isJson(p) ? VectorJson.read(p) : ControlVectorFile.read(p);
    }

    /** Reads and checks width and layers against the model, with errors naming the file and the model. */
    public static SteeringVector readFor(Path p, Model model) {
        SteeringVector v = read(p);
        ControlVectorFile.checkFits(p, v, model);
        return v;
    }

    public static void write(Path p, SteeringVector v) {
        if (isJson(p)) VectorJson.write(p, v);
        else ControlVectorFile.write(p, v);
    }
}
