package dev.steer4j.model.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFTensorInfo;
import dev.steer4j.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * Writes an edited Hugging Face model as a Hugging Face directory: the edit is first written as a GGUF beside the
 * output (so the numbers are exactly those of a GGUF edit), then mapped back to HF names and layouts through
 * {@link HfExport} into {@code model.safetensors}, with {@code config.json} and the tokenizer files copied from the
 * input directory.
 */
public final class HfEditedDirectory {
    /** Files copied unchanged from the input directory when present (config.json is rewritten). */
    static final List<String> COPIED = List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
            "generation_config.json", "chat_template.jinja");

    /** Writes the edited weights as a GGUF file at {@code tmp}. */
    @FunctionalInterface
    public interface GgufEdit<R> {
        R writeTo(Path tmp) throws IOException;
    }

    private HfEditedDirectory() {}

    /** Whether a model was loaded from Hugging Face layout (its weights are a view, not a GGUF file). */
    public static boolean isHf(Model model) {
        Path p = model.file().path();
        return p != null && HfModelView.isHfLayout(p) && model.file().dataOffset() < 0;
    }

    /** Checks that {@code outDir} can hold an edit of {@code model}: a directory name other than the input's. */
    public static Path checkOutput(Model model, Path outDir) {
        Path inDir = HfModelView.directory(model.file().path());
        if (outDir.getFileName() != null && outDir.getFileName().toString().endsWith(".gguf"))
            throw new IllegalArgumentException("a Hugging Face model is written as a directory of safetensors, not " + outDir.getFileName()
                    + " (its tokenizer lives in tokenizer.json); give a directory name");
        if (outDir.toAbsolutePath().normalize().equals(inDir.toAbsolutePath().normalize()))
            throw new IllegalArgumentException("refusing to overwrite the model being read (" + outDir + "); choose another output directory");
        return inDir;
    }

    /**
     * Runs {@code edit} into a temporary GGUF inside {@code outDir} and writes the HF directory from it.
     *
     * @param untiedOutput whether the edit's result gave the model an output matrix of its own (config.json then says so)
     */
    public static <R> R write(Model model, Path outDir, GgufEdit<R> edit, java.util.function.Predicate<R> untiedOutput) {
        Path inDir = checkOutput(model, outDir);
        try {
            Files.createDirectories(outDir);
            Path tmp = Files.createTempFile(outDir, ".edited", ".gguf");
            try {
                R r = edit.writeTo(tmp);
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
                if (untiedOutput.test(r)) config.put("tie_word_embeddings", false);
                json.writerWithDefaultPrettyPrinter().writeValue(outDir.resolve("config.json").toFile(), config);
                for (String f : COPIED)
                    if (Files.isRegularFile(inDir.resolve(f))) Files.copy(inDir.resolve(f), outDir.resolve(f), StandardCopyOption.REPLACE_EXISTING);
                return r;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + outDir + ": " + e.getMessage(), e);
        }
    }
}
