package dev.steer4j.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An A/B behaviour dataset in the CAA format: a JSON array of
 * {@code {"question": ..., "answer_matching_behavior": "(A)", "answer_not_matching_behavior": "(B)"}}.
 * An answer may also be a list of strings (the first is used), as in Anthropic's model-written evals. Answers need not
 * be letters: any two continuations work (for example {@code " happy"} and {@code " sad"}).
 */
public record AbDataset(String name, List<Item> items) {
    /** One question and its two answers. */
    public record Item(String question, String matching, String notMatching) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    public AbDataset {
        items = List.copyOf(items);
    }

    public static AbDataset load(Path path) {
        if (!Files.isRegularFile(path)) throw new UncheckedIOException(new NoSuchFileException(path.toString()));
        try (InputStream in = Files.newInputStream(path)) {
            return parse(path.toString(), in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Parses a dataset; {@code source} names it in error messages. */
    public static AbDataset parse(String source, InputStream in) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(source + ": invalid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
        }
        if (root == null || !root.isArray())
            throw new IllegalArgumentException(source + ": expected a JSON array of {question, answer_matching_behavior, answer_not_matching_behavior} items");
        if (root.isEmpty()) throw new IllegalArgumentException(source + ": the dataset has no items");
        List<Item> items = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            JsonNode n = root.get(i);
            String where = source + ": item " + i;
            if (!n.isObject()) throw new IllegalArgumentException(where + ": expected an object, found " + n.getNodeType().toString().toLowerCase());
            String q = text(n, "question", where);
            String m = text(n, "answer_matching_behavior", where);
            String o = text(n, "answer_not_matching_behavior", where);
            if (m.equals(o)) throw new IllegalArgumentException(where + ": answer_matching_behavior and answer_not_matching_behavior are both '" + m + "'");
            items.add(new Item(q, m, o));
        }
        String name = source.replaceAll(".*[/\\\\]", "");
        return new AbDataset(name, items);
    }

    private static String text(JsonNode n, String field, String where) {
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new IllegalArgumentException(where + ": field '" + field + "' is missing");
        if (v.isArray()) {
            if (v.isEmpty() || !v.get(0).isTextual())
                throw new IllegalArgumentException(where + ": field '" + field + "' must be a string or a non-empty list of strings, found " + v);
            v = v.get(0);
        }
        if (!v.isTextual()) throw new IllegalArgumentException(where + ": field '" + field + "' must be a string, found " + v.getNodeType().toString().toLowerCase() + " " + v);
        if (v.asText().isEmpty()) throw new IllegalArgumentException(where + ": field '" + field + "' is empty");
        return v.asText();
    }

    /** The first {@code n} items (all when n ≤ 0). */
    public AbDataset limit(int n) {
        return n <= 0 || n >= items.size() ? this : new AbDataset(name, items.subList(0, n));
    }
}
