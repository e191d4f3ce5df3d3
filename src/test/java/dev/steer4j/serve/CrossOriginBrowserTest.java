package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.model.Model;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A page on another origin, in a real Chromium, tries every way a page can POST a vector to a server without an API
 * key (CORS-simple text/plain, a form type, no type, preflighted JSON); none may create one. Same prerequisites as
 * {@link PlaygroundBrowserTest}.
 */
class CrossOriginBrowserTest {
    @Test
    void aPageOnAnotherOriginCannotWriteAVector(@TempDir Path tmp) throws Exception {
        Assumptions.assumeFalse("1".equals(System.getenv("STEER4J_SKIP_BROWSER")), "STEER4J_SKIP_BROWSER=1: browser test skipped");
        Path chromium = Path.of(System.getenv().getOrDefault("STEER4J_CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium)) fail("the browser test needs Chromium at " + chromium + " (apt-get install -y chromium), or STEER4J_SKIP_BROWSER=1");
        String node = PlaygroundBrowserTest.findNode();
        if (node == null) fail("the browser test needs node on the PATH (apt-get install -y nodejs npm), or STEER4J_SKIP_BROWSER=1");
        if (!Files.isDirectory(PlaygroundBrowserTest.DIR.resolve("node_modules/playwright-core")))
            fail("the browser test needs playwright-core: run 'npm ci --prefix " + PlaygroundBrowserTest.DIR + "' (or STEER4J_SKIP_BROWSER=1)");
        String gguf = Base64.getEncoder().encodeToString(Files.readAllBytes(Fixtures.resource("reference/stories260K/cvec-1.gguf")));
        try (Model model = model(); Steer4jServer server = Steer4jServer.start(model, options(tmp.resolve("vectors")))) {
            ProcessBuilder pb = new ProcessBuilder(node, PlaygroundBrowserTest.DIR.resolve("cross-origin.mjs").toString(), server.url(), gguf)
                    .redirectErrorStream(true);
            pb.environment().put("STEER4J_CHROMIUM", chromium.toString());
            Process p = pb.start();
            byte[] out;
            try (var in = p.getInputStream()) {
                out = in.readAllBytes();
            }
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the browser script finished");
            String log = new String(out, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), log);
            String line = log.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow(() -> new AssertionError(log));
            JsonNode r = JSON.readTree(line.substring(7));
            assertTrue(r.get("origin").asText().startsWith("http://127.0.0.1:"), line);
            assertNotEquals(server.url(), r.get("origin").asText() + "/", "the page is on another origin");
            assertTrue(r.get("json").asText().startsWith("blocked"), "the preflighted JSON write is blocked: " + line);
            Response list = get(server, "/v1/vectors");
            assertEquals(200, list.status());
            assertEquals(0, list.json().get("data").size(), "no vector was written: " + list.body() + " after " + line);
            assertEquals(List.of(), server.vectors().list(), line);
        }
    }
}
