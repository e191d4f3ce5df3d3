package dev.steer4j.steer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.model.Model;
import dev.steer4j.model.hf.HfExport;
import dev.steer4j.model.hf.HfModelView;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * {@link Orthogonalizer} for a model loaded in Hugging Face layout: the orthogonalised model is written as a Hugging
 * Face directory ({@code model.safetensors} with HF tensor names and layouts, {@code config.json} and the tokenizer
 * files copied from the input). The weights are computed exactly as for GGUF output (a temporary GGUF beside the
 * output), then mapped back through {@link HfExport}, so both outputs hold the same numbers.
 */
public final class HfOrthogonalizer {
    /** Files copied unchanged from the input directory when present (config.json is rewritten). */
    static final List<String> COPIED = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "chat_template.jinja");

    private HfOrthogonalizer() {}

    /** Whether a model was loaded from Hugging Face layout (its weights are a view, not a GGUF file). */
    public static boolean isHf(Model model) {
        Path p = model.file().path();
        return p != null && HfModelView.isHfLayout(p) && model.file().dataOffset() < 0;
    }

    /** Writes {@code model} with {@code direction} orthogonalised out of its residual writes into directory {@code outDir}. */
    public static Orthogonalizer.Result write(Model model, float[] direction, Path outDir, String name) {
        Path inDir = HfModelView.directory(model.file().path());
        if (outDir.getFileName() != null && outDir.getFileName().toString().endsWith(".gguf"))
            throw new IllegalArgumentException("a Hugging Face model is written as a directory of safetensors, not " + outDir.getFileName()
                    + " (its tokenizer lives in tokenizer.json); give a directory name");
        if (outDir.toAbsolutePath().normalize().equals(inDir.toAbsolutePath().normalize()))
            throw new IllegalArgumentException("refusing to overwrite the model being read (" + outDir + "); choose another output directory");
        try {
            Files.createDirectories(outDir);
            Path tmp = Files.createTempFile(outDir, ".orthogonalized", ".gguf");
            try {
                Orthogonalizer.Result r = Orthogonalizer.write(model, direction, tmp, name);
                try (GGUFFile g = GGUFFile.open(tmp)) {
                    HfExport e = new HfExport(g);
                    for (GGUFTensorInfo t : g.tensors().values()) {
                        if (HfExport.derivedFromConfig(t.name())) continue;
                        e.add(t.name(), t.type(), t.dims(), t::data);
                    }
                    e.write(outDir.resolve("model.safetensors"));
                }
                ObjectMapper json = new ObjectMapper();
                ObjectNode config = (ObjectNode) json.readTree(inDir.resolve("config.json").toFile());
                if (r.untiedOutput()) config.put("tie_word_embeddings", false);
                json.writerWithDefaultPrettyPrinter().writeValue(outDir.resolve("config.json").toFile(), config);
                for (String f : COPIED)
                    if (Files.isRegularFile(inDir.resolve(f))) Files.copy(inDir.resolve(f), outDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                return new Orthogonalizer.Result(outDir, r.modified(), r.untiedOutput(), r.exact(), r.note());
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir + ": " + e.getMessage(), e);
        }
    }
}
