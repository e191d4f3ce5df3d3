package dev.steer4j.model.hf;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.model.Model;
import dev.steer4j.tokenizer.Tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/** Loads a model in Hugging Face layout: config.json, safetensors weights and tokenizer.json. */
public final class HfModel {
    private HfModel() {}

    /**
     * Loads {@code DIR}, {@code DIR/model.safetensors} or {@code DIR/model.safetensors.index.json}: the weights through
     * {@link HfModelView}, the tokenizer from {@code DIR/tokenizer.json} (and {@code tokenizer_config.json}).
     */
    public static Model load(Path pathOrDir) {
        Path dir = HfModelView.directory(pathOrDir);
        Path tokenizerJson = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(tokenizerJson))
            throw new dev.steer4j.model.ModelException(tokenizerJson + ": file not found (a Hugging Face model directory needs tokenizer.json)");
        Tokenizer tokenizer = Tokenizer.fromHuggingFaceJson(tokenizerJson);
        GGUFFile view = HfModelView.open(pathOrDir);
        try {
            return Model.fromGGUF(view, tokenizer);
        } catch (RuntimeException e) {
            view.close();
            throw e;
        }
    }
}
