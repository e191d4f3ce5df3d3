package dev.steer4j.steer;

import dev.steer4j.model.Model;
import dev.steer4j.model.hf.HfEditedDirectory;

import java.nio.file.Path;

/**
 * {@link Orthogonalizer} for a model loaded in Hugging Face layout: the orthogonalised model is written as a Hugging
 * Face directory through {@link HfEditedDirectory}, so both outputs hold the same numbers.
 */
public final class HfOrthogonalizer {
    private HfOrthogonalizer() {}

    /** Whether a model was loaded from Hugging Face layout (its weights are a view, not a GGUF file). */
    public static boolean isHf(Model model) {
        return HfEditedDirectory.isHf(model);
    }

    /** Writes {@code model} with {@code direction} orthogonalised out of its residual writes into directory {@code outDir}. */
    public static Orthogonalizer.Result write(Model model, float[] direction, Path outDir, String name) {
        Orthogonalizer.Result r = HfEditedDirectory.write(model, outDir, tmp -> Orthogonalizer.write(model, direction, tmp, name),
                Orthogonalizer.Result::untiedOutput);
        return new Orthogonalizer.Result(outDir, r.modified(), r.untiedOutput(), r.exact(), r.note());
    }
}
