package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.guard.Calibrator;
import dev.steer4j.guard.Guard;
import dev.steer4j.guard.GuardFile;
import dev.steer4j.guard.GuardPolicy;
import dev.steer4j.read.PromptFile;
import dev.steer4j.model.Model;
import dev.steer4j.steer.extract.Extractor;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The playground in a real browser (Playwright's playwright-core driving Debian's Chromium): open it, set a slider,
 * generate, see the steered text differ from the unsteered text, with no console errors and no request leaving
 * the server. Needs {@code /usr/bin/chromium} (or {@code STEER4J_CHROMIUM}), {@code node}, and
 * {@code npm ci --prefix src/test/browser-serve}; fails with the install commands when they are missing, unless
 * {@code STEER4J_SKIP_BROWSER=1}. With {@code STEER4J_SCREENSHOT=path.png} it also saves a screenshot.
 */
class PlaygroundBrowserTest {
    static final Path DIR = Path.of("src/test/browser-serve");

    @Test
    void steeredTextDiffersInThePlayground(@TempDir Path tmp) throws Exception {
        Assumptions.assumeFalse("1".equals(System.getenv("STEER4J_SKIP_BROWSER")), "STEER4J_SKIP_BROWSER=1: browser test skipped");
        Path chromium = Path.of(System.getenv().getOrDefault("STEER4J_CHROMIUM", "/usr/bin/chromium"));
        if (!Files.isExecutable(chromium))
            fail("the browser test needs Chromium at " + chromium + ": install it with 'apt-get install -y chromium' "
                    + "(or set STEER4J_CHROMIUM, or STEER4J_SKIP_BROWSER=1 to skip this test)");
        String node = findNode();
        if (node == null) fail("the browser test needs node on the PATH (apt-get install -y nodejs npm), or STEER4J_SKIP_BROWSER=1 to skip it");
        if (!Files.isDirectory(DIR.resolve("node_modules/playwright-core")))
            fail("the browser test needs playwright-core: run 'npm ci --prefix " + DIR + "' (or STEER4J_SKIP_BROWSER=1 to skip it)");

        Path vectors = tmp.resolve("vectors");
        Files.createDirectories(vectors);
        Files.copy(Fixtures.resource("reference/stories260K/cvec-1.gguf"), vectors.resolve("cvec1.gguf"));
        List<String> sad = PromptFile.readAll(Fixtures.resource("guard/sad.txt")), happy = PromptFile.readAll(Fixtures.resource("guard/happy.txt"));
        try (Model model = model()) {
            Path guardFile = tmp.resolve("guard.json");
            var cal = Calibrator.calibrate(model, "sad", sad, happy, 0.25, 0, null, GuardPolicy.FLAG);
            GuardFile.write(guardFile, new Guard(List.of(cal.detector()), "stories260K"));
            try (Steer4jServer server = Steer4jServer.start(model, options(vectors).withGuardFile(guardFile))) {
                // A "happy" vector extracted from the happy/sad story pairs, as a user would add it.
                server.vectors().put("happy", Extractor.meanDifference(model, happy, sad, 1, 2, 3, 4), false);
                String opts = "{\"vector\": \"happy\", \"coefficient\": 3, \"layers\": [4, 4], \"prompt\": \"Tom was sad because\"}";
                List<String> cmd = new ArrayList<>(List.of(node, DIR.resolve("playground.mjs").toString(), server.url(), opts));
                String shot = System.getenv("STEER4J_SCREENSHOT");
                if (shot != null && !shot.isBlank()) cmd.add(Path.of(shot).toAbsolutePath().toString());
                ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
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
                assertEquals("3.0", r.get("shown").asText(), "the slider shows its value");
                String plain = r.get("plain").asText(), steered = r.get("steered").asText();
                assertTrue(plain.startsWith(" he loved to play with his toys"), "unsteered greedy story: " + plain);
                assertNotEquals(plain, steered, "the steered text differs");
                assertEquals(0, r.get("errorsShown").asInt(), line);
                assertEquals(0, r.get("consoleErrors").size(), "console errors: " + r.get("consoleErrors"));
                assertEquals(0, r.get("foreignRequests").size(), "requests beyond the server: " + r.get("foreignRequests"));
                assertTrue(r.get("heatTokens").asInt() > 10, "the projection heatmap shows every token: " + line);
                assertTrue(r.get("guard").asText().contains("sad"), "guard scores shown: " + r.get("guard"));
                assertTrue(r.get("guard").asText().contains("flagged"), "the sad prompt is flagged: " + r.get("guard"));
            }
        }
    }

    static String findNode() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path n = Path.of(d, "node");
            if (Files.isExecutable(n)) return n.toString();
        }
        return null;
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }
}
