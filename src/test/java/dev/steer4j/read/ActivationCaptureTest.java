package dev.steer4j.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ActivationCache;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class ActivationCaptureTest {
    static Model model;
    static ForwardPass fp;
    @TempDir Path dir;

    @BeforeAll
    static void load() {
        model = Model.load(Fixtures.stories260K());
        fp = new ForwardPass(model);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    static final List<String> PROMPTS = List.of("Once upon a time", "The dog ran to the park and played", "Lily smiled");

    @Test
    void capturedRowsEqualTheActivationCacheAndNumpyCanReadThem() throws Exception {
        Path data = dir.resolve("d.jsonl");
        Files.writeString(data, "\"Once upon a time\"\n{\"text\": \"The dog ran to the park and played\"}\n\n{\"prompt\": \"Lily smiled\"}\n");
        List<HookPoint> points = List.of(HookPoint.residPost(1), HookPoint.parse("blocks.4.hook_mlp_out"));
        Path out = dir.resolve("acts");
        ActivationCapture.Result r;
        try (PromptFile.Source src = PromptFile.open(data)) {
            r = ActivationCapture.capture(fp, src, points, ActivationCapture.Positions.ALL, 0, out, Progress.NONE);
        }
        int total = 0;
        for (String p : PROMPTS) total += model.tokenizer().encode(p).length;
        assertEquals(3, r.prompts());
        assertEquals(total, r.rows());

        try (NpyReader a = new NpyReader(out.resolve("blocks.1.hook_resid_post.npy"));
             NpyReader b = new NpyReader(out.resolve("blocks.4.hook_mlp_out.npy"));
             NpyReader tok = new NpyReader(out.resolve("tokens.npy"));
             NpyReader idx = new NpyReader(out.resolve("prompt_index.npy"));
             NpyReader pos = new NpyReader(out.resolve("position.npy"))) {
            assertArrayEquals(new long[]{total, 64}, a.shape());
            assertArrayEquals(new long[]{total, 64}, b.shape());
            int[] tokens = tok.ints(), index = idx.ints(), position = pos.ints();
            int row = 0;
            for (int i = 0; i < PROMPTS.size(); i++) {
                int[] ids = model.tokenizer().encode(PROMPTS.get(i));
                ActivationCache c = ActivationCache.run(fp, ids, points);
                for (int t = 0; t < ids.length; t++, row++) {
                    // same engine, same rows: the file holds the cache's floats bit for bit
                    assertArrayEquals(c.get(points.get(0))[t], a.row(row));
                    assertArrayEquals(c.get(points.get(1))[t], b.row(row));
                    assertEquals(ids[t], tokens[row]);
                    assertEquals(i, index[row]);
                    assertEquals(t, position[row]);
                }
            }
        }
        JsonNode meta = new ObjectMapper().readTree(out.resolve("metadata.json").toFile());
        assertEquals("steer4j-activations/1", meta.get("format").asText());
        assertEquals(total, meta.get("rows").asInt());
        assertEquals(64, meta.path("hooks").path("blocks.4.hook_mlp_out").path("shape").get(1).asInt());
        List<String> lines = Files.readAllLines(out.resolve("prompts.jsonl"));
        assertEquals(3, lines.size());
        JsonNode second = new ObjectMapper().readTree(lines.get(1));
        assertEquals("The dog ran to the park and played", second.get("text").asText());
        assertEquals(model.tokenizer().encode(PROMPTS.get(0)).length, second.get("row").asInt());
    }

    @Test
    void lastPositionOnly() throws Exception {
        Path data = dir.resolve("d.txt");
        Files.writeString(data, String.join("\n", PROMPTS) + "\n");
        Path out = dir.resolve("last");
        try (PromptFile.Source src = PromptFile.open(data)) {
            ActivationCapture.capture(fp, src, List.of(HookPoint.residPost(2)), ActivationCapture.Positions.LAST, 0, out, Progress.NONE);
        }
        try (NpyReader a = new NpyReader(out.resolve("blocks.2.hook_resid_post.npy"))) {
            assertEquals(3, a.rows());
            int[] ids = model.tokenizer().encode(PROMPTS.get(1));
            float[][] rows = ActivationCache.run(fp, ids, List.of(HookPoint.residPost(2))).get(HookPoint.residPost(2));
            assertArrayEquals(rows[ids.length - 1], a.row(1));
        }
    }

    @Test
    void badInputNamesTheFileAndLine() throws Exception {
        Path data = dir.resolve("bad.jsonl");
        Files.writeString(data, "\"ok\"\n{\"txt\": \"no\"}\n");
        try (PromptFile.Source src = PromptFile.open(data)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    ActivationCapture.capture(fp, src, List.of(HookPoint.residPost(0)), ActivationCapture.Positions.ALL, 0, dir.resolve("x"), Progress.NONE));
            assertEquals(data + ":2: object has none of the fields text, prompt, question, instruction (fields: [txt])", e.getMessage());
        }
        Path longer = dir.resolve("long.txt");
        Files.writeString(longer, "word ".repeat(2100) + "\n"); // beyond the 2048-token context
        try (PromptFile.Source src = PromptFile.open(longer)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                    ActivationCapture.capture(fp, src, List.of(HookPoint.residPost(0)), ActivationCapture.Positions.ALL, 0, dir.resolve("y"), Progress.NONE));
            assertTrue(e.getMessage().startsWith(longer + ":1: the prompt has "), e.getMessage());
            assertTrue(e.getMessage().endsWith("tokens but the model's context is 2048 (use --max-tokens to cut prompts)"), e.getMessage());
        }
    }
}
