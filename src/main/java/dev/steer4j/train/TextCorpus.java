package dev.steer4j.train;

import dev.steer4j.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A training corpus: one document per non-empty line of a UTF-8 text file (lines starting with '#' are comments),
 * tokenised with BOS and cut to a maximum length.
 */
public final class TextCorpus {
    private TextCorpus() {}

    /** The bundled forget corpus of the unlearning demo (stories about dogs). */
    public static final String BUNDLED_FORGET = "steer4j/data/unlearn_dogs.txt";
    /** The bundled retain corpus of the unlearning demo (stories without dogs). */
    public static final String BUNDLED_RETAIN = "steer4j/data/unlearn_other.txt";

    public static List<String> read(Path file) {
        try {
            return parse(file.toString(), Files.readAllBytes(file));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** The bytes of a class-path resource such as {@link #BUNDLED_FORGET}. */
    public static byte[] resource(String name) {
        try (java.io.InputStream in = TextCorpus.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name + ": " + e.getMessage(), e);
        }
    }

    /** The documents in {@code bytes}; {@code source} names them in errors. */
    public static List<String> parse(String source, byte[] bytes) {
        String text = dev.steer4j.util.Text.strictUtf8OrNull(bytes);
        if (text == null) throw new IllegalArgumentException(source + ": not valid UTF-8 text");
        return parse(text, source);
    }

    /** The documents of {@code text} (one per non-empty line, '#' starts a comment); {@code label} names it in errors. */
    public static List<String> parse(String text, String label) {
        List<String> docs = new ArrayList<>();
        for (String line : text.split("\n")) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) docs.add(s);
        }
        if (docs.isEmpty()) throw new IllegalArgumentException(label + ": no documents (one per non-empty line)");
        return docs;
    }

    public static List<int[]> tokens(Model model, List<String> docs, int maxTokens) {
        List<int[]> out = new ArrayList<>();
        for (String d : docs) {
            int[] t = model.tokenizer().encode(d);
            if (t.length > maxTokens) t = java.util.Arrays.copyOf(t, maxTokens);
            if (t.length >= 2) out.add(t);
        }
        return out;
    }
}
