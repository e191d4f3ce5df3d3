package dev.steer4j.read;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.util.Text;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The one reader of prompt files (detect, read, capture, sweep, guard calibrate). Reads prompts one at a time, so that a dataset larger than memory can be streamed:
 * <ul>
 * <li>{@code .txt} (or anything else): one prompt per line, without its surrounding white space; blank lines and
 *     lines whose first non-blank character is {@code #} (comments) are skipped; {@code \n} inside a line stands for
 *     a newline;</li>
 * <li>{@code .jsonl}: one JSON value per line, a string or an object with a {@code text}, {@code prompt},
 *     {@code question} or {@code instruction} field;</li>
 * <li>{@code .json}: an array of such values.</li>
 * </ul>
 */
public final class PromptFile {
    /** One prompt and where it came from (for error messages). */
    public record Prompt(int index, String text, String location) {}

    static final String[] FIELDS = {"text", "prompt", "question", "instruction"};
    private static final ObjectMapper JSON = new ObjectMapper();

    private PromptFile() {}

    /** Reads every prompt (for small files such as eval prompt sets). */
    public static List<String> readAll(Path path) {
        List<String> out = new ArrayList<>();
        try (Source s = open(path)) {
            while (s.hasNext()) out.add(s.next().text());
        }
        if (out.isEmpty()) throw new IllegalArgumentException(path + ": no prompts found (the file is empty or holds only comments)");
        return out;
    }

    /** Opens a streaming source; close it when done. */
    public static Source open(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new UncheckedIOException(new NoSuchFileException(path.toString()));
        }
        String name = path.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        try {
            if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) return new LineSource(path, true);
            if (name.endsWith(".json")) return new ArraySource(path);
            return new LineSource(path, false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    static String textOf(JsonNode n, String location) {
        if (n.isTextual()) return n.asText();
        if (n.isObject()) {
            for (String f : FIELDS) {
                JsonNode v = n.get(f);
                if (v != null) {
                    if (!v.isTextual()) throw new IllegalArgumentException(location + ": field '" + f + "' must be a string, found " + v.getNodeType().toString().toLowerCase());
                    return v.asText();
                }
            }
            throw new IllegalArgumentException(location + ": object has none of the fields " + String.join(", ", FIELDS) + " (fields: " + iterable(n.fieldNames()) + ")");
        }
        throw new IllegalArgumentException(location + ": expected a string or an object, found " + n.getNodeType().toString().toLowerCase() + " " + Text.abbreviate(n.toString(), 60));
    }

    private static List<String> iterable(Iterator<String> it) {
        List<String> l = new ArrayList<>();
        it.forEachRemaining(l::add);
        return l;
    }

    /** A closeable iterator of prompts. */
    public abstract static sealed class Source implements Iterator<Prompt>, AutoCloseable permits LineSource, ArraySource {
        Prompt next;
        int index;

        abstract Prompt advance() throws IOException;

        @Override
        public boolean hasNext() {
            if (next == null) {
                try {
                    next = advance();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return next != null;
        }

        @Override
        public Prompt next() {
            if (!hasNext()) throw new NoSuchElementException();
            Prompt p = next;
            next = null;
            return p;
        }

        @Override
        public abstract void close();
    }

    static final class LineSource extends Source {
        private final Path path;
        private final BufferedReader in;
        private final boolean json;
        private int line;

        LineSource(Path path, boolean json) throws IOException {
            this.path = path;
            this.in = Files.newBufferedReader(path, StandardCharsets.UTF_8);
            this.json = json;
        }

        @Override
        Prompt advance() throws IOException {
            String s;
            while ((s = in.readLine()) != null) {
                line++;
                if (s.isBlank() || (!json && s.strip().startsWith("#"))) continue;
                String loc = path + ":" + line;
                String text;
                if (json) {
                    JsonNode n;
                    try {
                        n = JSON.readTree(s);
                    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                        throw new IllegalArgumentException(loc + ": invalid JSON: " + e.getOriginalMessage());
                    }
                    text = textOf(n, loc);
                } else {
                    text = s.strip().replace("\\n", "\n");
                }
                return new Prompt(index++, text, loc);
            }
            return null;
        }

        @Override
        public void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    static final class ArraySource extends Source {
        private final Path path;
        private final JsonParser p;

        ArraySource(Path path) throws IOException {
            this.path = path;
            this.p = JSON.createParser(path.toFile());
            JsonToken t;
            try {
                t = p.nextToken();
            } catch (IOException e) {
                p.close();
                throw new IllegalArgumentException(path + ": invalid JSON: " + e.getMessage().split("\n")[0]);
            }
            if (t != JsonToken.START_ARRAY) {
                p.close();
                throw new IllegalArgumentException(path + ": expected a JSON array of prompts, found " + (t == null ? "nothing" : t.asString()));
            }
        }

        @Override
        Prompt advance() throws IOException {
            JsonToken t;
            try {
                t = p.nextToken();
                if (t == JsonToken.END_ARRAY || t == null) return null;
                String loc = path + ": item " + index + " (line " + p.currentLocation().getLineNr() + ")";
                JsonNode n = p.readValueAsTree();
                return new Prompt(index++, textOf(n, loc), loc);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(path + ": invalid JSON at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
            }
        }

        @Override
        public void close() {
            try {
                p.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
