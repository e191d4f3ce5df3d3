package dev.steer4j.guard;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Prompt sets for calibration: one prompt per line (blank lines and lines starting with # skipped) or a JSON array of strings (.json). */
public final class PromptFile {
    private PromptFile() {}

    /** One prompt per line, or a JSON array of strings. */
    public static List<String> read(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new UncheckedIOException(e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        List<String> out = new ArrayList<>();
        if (file.toString().endsWith(".json")) {
            JsonNode n;
            try {
                n = new ObjectMapper().readTree(text);
            } catch (IOException e) {
                throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage());
            }
            if (n == null || !n.isArray()) throw new IllegalArgumentException(file + ": expected a JSON array of prompt strings");
            for (int i = 0; i < n.size(); i++) {
                if (!n.get(i).isTextual()) throw new IllegalArgumentException(file + ": item " + i + " is not a string: " + n.get(i));
                out.add(n.get(i).asText());
            }
        } else {
            for (String line : text.split("\\R")) {
                String l = line.strip();
                if (!l.isEmpty() && !l.startsWith("#")) out.add(l);
            }
        }
        if (out.isEmpty()) throw new IllegalArgumentException(file + " holds no prompts");
        return out;
    }
}
