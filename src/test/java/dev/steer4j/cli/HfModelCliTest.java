package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.*;
import static org.junit.jupiter.api.Assertions.*;

/** {@code --model DIR}, {@code --model DIR/model.safetensors} and {@code --model hf:ORG/NAME} in the commands. */
class HfModelCliTest {
    static final String DIR = "src/test/resources/models/tinystories-656k";
    static final String COMMIT = "89abcdef0123456789abcdef0123456789abcdef";
    @TempDir Path cache;

    @AfterEach
    void restoreEnvironment() {
        ModelOption.environment = System.getenv();
    }

    @Test
    void generateFromADirectoryGivesTheReferenceGreedyText() {
        JsonNode c = json("reference/tinystories-656k.json").get("cases").get(0);
        CliRunner.Result r = CliRunner.run("generate", "--model", DIR, "--prompt", c.get("prompt").asText(), "--max-tokens", "20", "--temperature", "0");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(c.get("greedy_text").asText(), r.out().strip());
    }

    @Test
    void logitsFromTheSafetensorsFileMatchTheReference() throws Exception {
        JsonNode c = json("reference/tinystories-656k.json").get("cases").get(1);
        CliRunner.Result r = CliRunner.run("logits", "--model", DIR + "/model.safetensors", "--prompt", c.get("prompt").asText(), "--json");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode out = new ObjectMapper().readTree(r.out());
        assertEquals(c.get("tokens"), out.get("tokens"));
        int last = out.get("logits").size() - 1;
        assertTrue(maxAbsDiff(floats(c.get("logits").get(last)), floats(out.get("logits").get(last)), 0) < 1e-3);
    }

    @Test
    void hubReferencesResolveInTheCacheTheEnvironmentNames() throws Exception {
        Path snap = Files.createDirectories(cache.resolve("models--raincandy-u--TinyStories-656K/snapshots/" + COMMIT));
        try (var files = Files.list(Path.of(DIR))) {
            for (Path f : files.toList()) Files.createSymbolicLink(snap.resolve(f.getFileName()), f.toAbsolutePath());
        }
        Files.createDirectories(snap.getParent().getParent().resolve("refs"));
        Files.writeString(snap.getParent().getParent().resolve("refs/main"), COMMIT + "\n");
        ModelOption.environment = Map.of("HF_HOME", "/nonexistent", "HF_HUB_CACHE", cache.toString());
        CliRunner.Result r = CliRunner.run("generate", "--model", "hf:raincandy-u/TinyStories-656K", "--prompt", "The cat sat on the mat and ",
                "--max-tokens", "20", "--temperature", "0");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(json("reference/tinystories-656k.json").get("cases").get(1).get("greedy_text").asText(), r.out().strip());
        CliRunner.Result i = CliRunner.run("inspect", "hf:raincandy-u/TinyStories-656K@" + COMMIT);
        assertEquals(0, i.exitCode(), i.err());
        assertTrue(i.out().contains("(Hugging Face layout, 20 tensors under their GGUF names)"), i.out());
        assertTrue(i.out().contains("architecture  llama (raincandy-u/TinyStories-656K)"), i.out());
        assertTrue(i.out().contains("tokenizer     tokenizer.json (SentencePiece-style BPE), 2048 tokens, bos 1, eos 2"), i.out());

        CliRunner.Result missing = CliRunner.run("logits", "--model", "hf:raincandy-u/TinyStories-656K@v2", "--prompt", "x");
        assertNotEquals(0, missing.exitCode());
        assertTrue(missing.err().contains("hf:raincandy-u/TinyStories-656K@v2 is not in the Hugging Face cache") && missing.err().contains("--download"), missing.err());
    }
}
