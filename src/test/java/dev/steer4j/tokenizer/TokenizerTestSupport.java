package dev.steer4j.tokenizer;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFValueType;
import dev.steer4j.format.gguf.GGUFWriter;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Builds small GGUF tokenizers for tests. */
final class TokenizerTestSupport {
    static final Path STORIES_260K = Path.of("src/test/resources/models/stories260K.gguf");
    static final Path TOKENIZE_JSON = Path.of("src/test/resources/reference/stories260K/tokenize.json");

    private TokenizerTestSupport() {}

    static Tokenizer stories260K() {
        try (GGUFFile f = GGUFFile.open(STORIES_260K)) {
            return Tokenizer.fromGGUF(f);
        }
    }

    /** A vocabulary under construction: token texts, types and scores. */
    static final class VocabBuilder {
        final List<String> tokens = new ArrayList<>();
        final List<Long> types = new ArrayList<>();
        final List<Float> scores = new ArrayList<>();

        int add(String text, int type, float score) {
            tokens.add(text);
            types.add((long) type);
            scores.add(score);
            return tokens.size() - 1;
        }

        int add(String text, int type) {
            return add(text, type, 0f);
        }

        void putInto(GGUFWriter w, boolean withScores) {
            w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(tokens.toArray(String[]::new)));
            long[] t = new long[types.size()];
            for (int i = 0; i < t.length; i++) t[i] = types.get(i);
            w.put("tokenizer.ggml.token_type", GGUFValue.ofInts(GGUFValueType.INT32, t));
            if (withScores) {
                float[] s = new float[scores.size()];
                for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
                w.put("tokenizer.ggml.scores", GGUFValue.ofFloats(s));
            }
        }
    }

    /** Writes a GGUF with only metadata, opens it and builds its tokenizer. */
    static Tokenizer build(Path dir, Consumer<GGUFWriter> metadata) {
        try (GGUFFile f = write(dir, metadata)) {
            return Tokenizer.fromGGUF(f);
        }
    }

    static GGUFFile write(Path dir, Consumer<GGUFWriter> metadata) {
        try {
            GGUFWriter w = new GGUFWriter();
            w.putString("general.architecture", "llama");
            metadata.accept(w);
            Path p = Files.createTempFile(dir, "tok", ".gguf");
            w.write(p);
            return GGUFFile.open(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> pieces(Tokenizer t, int[] ids) {
        List<String> out = new ArrayList<>();
        for (int id : ids) out.add(t.piece(id));
        return out;
    }
}
