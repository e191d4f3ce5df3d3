package dev.steer4j.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The prompt, as llama.cpp takes it: {@code -p/--prompt TEXT}, or {@code -f/--file FILE} with the whole file as the
 * prompt ({@code -f -} reads standard input). One of the two is required.
 */
public final class PromptOption {
    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "The prompt")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "Read the prompt from FILE (- = standard input), as llama.cpp's -f")
    String file;

    /** The prompt text; the file's content is used unchanged except for one trailing newline. */
    public String text() {
        if (prompt != null && file != null) throw new IllegalArgumentException("give the prompt once: --prompt or --file, not both");
        if (prompt != null) return prompt;
        if (file == null) throw new IllegalArgumentException("no prompt: pass --prompt TEXT or --file FILE (- for standard input)");
        String s;
        try {
            if (file.equals("-")) {
                InputStream in = System.in;
                s = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } else {
                s = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            }
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--file " + file + ": file not found");
        } catch (IOException e) {
            throw new UncheckedIOException("--file " + file + ": " + e.getMessage(), e);
        }
        if (s.endsWith("\r\n")) s = s.substring(0, s.length() - 2);
        else if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        if (s.isEmpty()) throw new IllegalArgumentException("--file " + file + ": the prompt is empty");
        return s;
    }
}
