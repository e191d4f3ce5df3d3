package dev.steer4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** {@code extract} refuses a prompt longer than the context before running any prompt, naming file and line. */
class ExtractLimitsTest {
    @TempDir Path tmp;

    @Test
    void aTooLongPromptIsFoundUpFrontWithItsFileAndLine() throws IOException {
        Path data = tmp.resolve("pairs.jsonl");
        String longText = "the cat sat on the mat and ".repeat(600);
        Files.writeString(data, "{\"positive\": \"I am happy\", \"negative\": \"I am sad\"}\n"
                + "{\"positive\": \"I feel glad\", \"negative\": \"I feel low\"}\n"
                + "\n"
                + "{\"positive\": \"" + longText + "\", \"negative\": \"short\"}\n");
        CliRunner.Result r = CliRunner.run("extract", "--data", data.toString(), "--layers", "2", "-o", tmp.resolve("v.gguf").toString());
        assertNotEquals(0, r.exitCode());
        assertTrue(r.err().contains(data + " line 4: the positive prompt #3 has "), r.err());
        assertTrue(r.err().contains(" tokens, more than the model's context length 2048; shorten or drop it"), r.err());
        assertFalse(r.err().contains("/6 prompts"), "no prompt ran before the check: " + r.err());
    }
}
