package dev.steer4j.steer.data;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a file of JSON records, each with the line it starts on: either JSON Lines (one value per non-blank line)
 * or one JSON array (detected by a leading {@code [}). Malformed JSON is reported with its file and line.
 */
final class JsonRecords {
    /** For whole documents (a JSONL line, a spec): anything after the value is an error. */
    static final ObjectMapper JSON = new ObjectMapper(factory()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** For streaming the elements of an array one by one. */
    private static final ObjectMapper STREAM = new ObjectMapper(factory());

    /** A JSON value and the 1-based line it starts on. */
    record Entry(JsonNode node, int line) {}

    /** A source file's name (as given), bytes and text. */
    record Source(String name, byte[] bytes, String text) {}

    private JsonRecords() {}

    /** Largest dataset file read (256 MiB); larger files are refused before anything is loaded. */
    static final long MAX_FILE_BYTES = 256L << 20;
    /** Longest JSON Lines record, and longest string in a JSON array file (4 MiB). */
    static final int MAX_RECORD_BYTES = 4 << 20;
    /** Mappers that refuse a string longer than {@link #MAX_RECORD_BYTES} while reading it. */
    private static com.fasterxml.jackson.core.JsonFactory factory() {
        return com.fasterxml.jackson.core.JsonFactory.builder().streamReadConstraints(
                com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(MAX_RECORD_BYTES).build()).build();
    }

    static Source readSource(Path path) {
        String name = path.toString();
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > MAX_FILE_BYTES)
                throw new DatasetException(name, "is " + size + " bytes; dataset files are at most " + MAX_FILE_BYTES + " bytes (256 MiB)");
            if (!startsWithArray(path)) checkLineLengths(path, name);
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new DatasetException(name, "file not found");
        } catch (IOException e) {
            throw new DatasetException(name, "cannot read: " + e.getMessage());
        }
        return source(name, bytes);
    }

    /** Whether the first non-blank byte is {@code [} (a JSON array file, whose lines may be long). */
    private static boolean startsWithArray(Path path) throws IOException {
        try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(path))) {
            int b;
            int skipped = 0;
            while ((b = in.read()) >= 0 && skipped++ < (1 << 20)) {
                if (b == 0xEF || b == 0xBB || b == 0xBF || b == ' ' || b == '\t' || b == '\r' || b == '\n') continue;
                return b == '[';
            }
            return false;
        }
    }

    /** Streams the file once, refusing a line longer than {@link #MAX_RECORD_BYTES} before it is held in memory. */
    private static void checkLineLengths(Path path, String name) throws IOException {
        byte[] buf = new byte[1 << 16];
        int line = 1;
        long length = 0;
        try (java.io.InputStream in = Files.newInputStream(path)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line++;
                        length = 0;
                    } else if (++length > MAX_RECORD_BYTES) {
                        throw new DatasetException(name, line, "the line is longer than " + MAX_RECORD_BYTES
                                + " bytes (4 MiB); a record this long is not a prompt");
                    }
                }
            }
        }
    }

    static Source source(String name, byte[] bytes) {
        String text = dev.steer4j.util.Text.strictUtf8OrNull(bytes);
        if (text == null) throw new DatasetException(name, "is not valid UTF-8 text");
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        return new Source(name, bytes, text);
    }

    static boolean isArray(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!Character.isWhitespace(c)) return c == '[';
        }
        return false;
    }

    static List<Entry> read(Source src) {
        return isArray(src.text()) ? readArray(src) : readLines(src);
    }

    private static List<Entry> readLines(Source src) {
        List<Entry> out = new ArrayList<>();
        String[] lines = src.text().split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank()) continue;
            try {
                out.add(new Entry(JSON.readTree(line), i + 1));
            } catch (JsonProcessingException e) {
                throw new DatasetException(src.name(), i + 1, "malformed JSON: " + firstLine(e.getOriginalMessage()));
            }
        }
        return out;
    }

    private static List<Entry> readArray(Source src) {
        List<Entry> out = new ArrayList<>();
        int line = 1;
        try (JsonParser p = STREAM.createParser(src.text())) {
            p.nextToken(); // START_ARRAY
            while (true) {
                JsonToken t = p.nextToken();
                line = p.currentTokenLocation().getLineNr();
                if (t == null) throw new DatasetException(src.name(), line, "malformed JSON: the array is not closed");
                if (t == JsonToken.END_ARRAY) break;
                JsonNode n = STREAM.readTree(p);
                out.add(new Entry(n, line));
            }
            JsonToken after = p.nextToken();
            if (after != null)
                throw new DatasetException(src.name(), p.currentTokenLocation().getLineNr(), "malformed JSON: unexpected content after the array");
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            int l = loc != null && loc.getLineNr() > 0 ? loc.getLineNr() : line;
            throw new DatasetException(src.name(), l, "malformed JSON: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw new DatasetException(src.name(), "cannot read: " + e.getMessage());
        }
        return out;
    }

    /** Jackson's message without its location details (the file and line are given separately). */
    static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        String m = nl < 0 ? s : s.substring(0, nl);
        int marker = m.indexOf(" (start marker at ");
        return marker < 0 ? m : m.substring(0, marker);
    }

    /** A required string field of an object record. */
    static String string(Source src, Entry e, String field) {
        JsonNode n = e.node();
        if (!n.isObject()) throw new DatasetException(src.name(), e.line(), "expected a JSON object, got " + describe(n));
        JsonNode v = n.get(field);
        if (v == null || v.isNull()) throw new DatasetException(src.name(), e.line(), "missing field \"" + field + "\"");
        if (!v.isTextual()) throw new DatasetException(src.name(), e.line(), "field \"" + field + "\" must be a string, got " + describe(v));
        if (v.asText().isEmpty()) throw new DatasetException(src.name(), e.line(), "field \"" + field + "\" is empty");
        return v.asText();
    }

    static String describe(JsonNode n) {
        String s = n.toString();
        String kind = n.isObject() ? "an object" : n.isArray() ? "an array" : n.isNumber() ? "a number" : n.isBoolean() ? "a boolean"
                : n.isNull() ? "null" : "a string";
        if (s.length() > 60) s = s.substring(0, 57) + "...";
        return kind + " " + s;
    }
}
