package dev.steer4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The other llama.cpp oracle files also record prompts with their tokens and greedy continuations with their text;
 * every one must round-trip through the stories260K tokenizer (the tiny models share its vocabulary).
 */
class OracleFilesTokenizationTest {
    static final String[] FILES = {
            "reference/stories260K/forward.json", "reference/stories260K/steer_add.json",
            "reference/stories260K/ablate.json", "reference/tiny/architectures.json",
    };

    @Test
    void promptsAndContinuations() throws IOException {
        Tokenizer t = TokenizerTestSupport.stories260K();
        int prompts = 0, continuations = 0;
        for (String f : FILES) {
            Path p = Path.of("src/test/resources").resolve(f);
            if (!Files.exists(p)) continue; // owned by other suites; skip if absent
            List<JsonNode> nodes = new ArrayList<>();
            collect(new ObjectMapper().readTree(p.toFile()), nodes);
            for (JsonNode c : nodes) {
                if (c.has("prompt") && c.has("tokens")) {
                    assertArrayEquals(ints(c.get("tokens")), t.encode(c.get("prompt").asText()), f + ": " + c.get("prompt"));
                    prompts++;
                }
                if (c.has("greedy") && c.has("greedy_text")) {
                    StreamDecoder d = t.streamDecoder();
                    StringBuilder sb = new StringBuilder();
                    for (int id : ints(c.get("greedy"))) sb.append(d.accept(id));
                    sb.append(d.flush());
                    assertEquals(c.get("greedy_text").asText(), sb.toString(), f);
                    continuations++;
                }
            }
        }
        assertTrue(prompts > 0, "no oracle prompts found");
        System.out.println("checked " + prompts + " prompts and " + continuations + " continuations");
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isObject()) {
            out.add(n);
            n.forEach(x -> collect(x, out));
        } else if (n.isArray()) {
            n.forEach(x -> collect(x, out));
        }
    }

    private static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) r[i] = a.get(i).asInt();
        return r;
    }
}
