package dev.steer4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A prompt and the completion a method should teach the model to produce after it, tokenised (the prompt with BOS).
 * Files are JSON lines {@code {"prompt": "...", "completion": "..."}}, as OpenAI's fine-tuning format and pyreft's
 * examples have them.
 */
public record Demonstration(String promptText, String completionText, int[] prompt, int[] completion) {
    /** Largest demonstration file read (bytes). */
    static final long MAX_BYTES = 64L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The whole token sequence: prompt then completion. */
    public int[] sequence() {
        int[] s = Arrays.copyOf(prompt, prompt.length + completion.length);
        System.arraycopy(completion, 0, s, prompt.length, completion.length);
        return s;
    }

    /** The rows of {@link #sequence()} whose logits predict the completion's tokens. */
    public int[] predictingRows() {
        int[] r = new int[completion.length];
        for (int i = 0; i < r.length; i++) r[i] = prompt.length - 1 + i;
        return r;
    }

    /** Reads a JSON-lines file of demonstrations and tokenises them for {@code model}. */
    public static List<Demonstration> read(Path file, Model model) {
        try {
            if (!Files.isRegularFile(file)) throw new IllegalArgumentException(file + ": no such file");
            if (Files.size(file) > MAX_BYTES) throw new IllegalArgumentException(file + ": " + Files.size(file) + " bytes is more than the " + MAX_BYTES + " a demonstration file may have");
            return parse(file.toString(), Files.readAllBytes(file), model);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses JSON lines; {@code source} names the file in errors, with the line number. */
    public static List<Demonstration> parse(String source, byte[] bytes, Model model) {
        String text = dev.steer4j.util.Text.strictUtf8OrNull(bytes);
        if (text == null) throw new IllegalArgumentException(source + ": not valid UTF-8 text");
        List<Demonstration> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String where = source + " line " + (i + 1);
            JsonNode n;
            try {
                n = JSON.readTree(line);
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalArgumentException(where + ": not a JSON object (" + dev.steer4j.util.SafeText.message(e.getOriginalMessage()) + ")");
            }
            if (n == null || !n.isObject()) throw new IllegalArgumentException(where + ": not a JSON object");
            String p = field(n, "prompt", where), c = field(n, "completion", where);
            int[] pt = model.tokenizer().encode(p);
            int[] full = model.tokenizer().encode(p + c);
            int common = 0;
            while (common < pt.length && common < full.length && pt[common] == full[common]) common++;
            // tokenise prompt and completion together and split where the prompt's own tokens end, so the completion's
            // first token is the one the model would really produce after the prompt
            int[] prompt = Arrays.copyOf(full, common), completion = Arrays.copyOfRange(full, common, full.length);
            if (prompt.length < 1 || completion.length < 1)
                throw new IllegalArgumentException(where + ": the completion adds no token after the prompt");
            if (full.length > model.config().contextLength())
                throw new IllegalArgumentException(where + ": " + full.length + " tokens exceed the context length " + model.config().contextLength());
            out.add(new Demonstration(p, c, prompt, completion));
        }
        if (out.isEmpty()) throw new IllegalArgumentException(source + ": no demonstrations (one JSON object with prompt and completion per line)");
        return out;
    }

    private static String field(JsonNode n, String name, String where) {
        JsonNode v = n.get(name);
        if (v == null) throw new IllegalArgumentException(where + ": missing field '" + name + "'");
        if (!v.isTextual()) throw new IllegalArgumentException(where + ": field '" + name + "' is not a string");
        return v.asText();
    }
}
