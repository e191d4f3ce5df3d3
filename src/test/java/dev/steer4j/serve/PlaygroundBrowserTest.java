package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.guard.Calibrator;
import dev.steer4j.guard.Guard;
import dev.steer4j.guard.GuardFile;
import dev.steer4j.guard.GuardPolicy;
import dev.steer4j.read.PromptFile;
import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.extract.Extractor;
import dev.steer4j.testutil.Fixtures;
import dev.steer4j.util.Similarity;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.steer4j.steer.SteeringVector;
import dev.steer4j.util.Similarity;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The playground in a real browser (Playwright's playwright-core driving Debian's Chromium), through everything it
 * offers: a vector extracted from prompts typed into the page (checked against {@link Extractor#meanDifference}), six
 * steered columns beside the unsteered one (add, clamp on generated positions, ablate, CAST gated off and on, the
 * typed vector), hover probabilities (checked against the API's own logprobs), the heatmaps on one shared colour scale,
 * a backwards layer range refused in the page, a server 400 shown as a failure, and columns added, swept and removed.
 * Needs {@code /usr/bin/chromium} (or {@code STEER4J_CHROMIUM}), {@code node}, and
 * {@code npm ci --prefix src/test/browser-serve}; fails with the install commands when they are missing, unless
 * {@code STEER4J_SKIP_BROWSER=1}. With {@code STEER4J_SCREENSHOT=path.png} it also saves a screenshot.
 */
class PlaygroundBrowserTest {
    static final Path DIR = Path.of("src/test/browser-serve");
    static final String PROMPT = "Tom was sad because";
    static final List<String> TYPED_POS = List.of("Lily was happy and laughed.", "The sun was bright and everyone smiled.");
    static final List<String> TYPED_NEG = List.of("Lily was sad and cried.", "The sky was dark and everyone frowned.");

    @Test
    void everyColumnAndControlWorksInThePlayground(@TempDir Path tmp) throws Exception {
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
                JsonNode r = runBrowser(chromium, node, server.url(), browserOptions());
                String line = r.toString();

                // extraction from the typed pairs: the server's mean difference, stored and offered in every column
                assertTrue(r.get("extractRefused").asText().contains("must be a vector name"), "a bad name shows the server's 400: " + r.get("extractRefused"));
                assertTrue(r.get("extractStatus").asText().startsWith("stored \"typed\" in the library: layers 1, 2, 3, 4"), r.get("extractStatus").asText());
                assertEquals(2, r.get("extractedInColumns").asInt(), "the typed vector is offered in the steered column's vector and CAST menus");
                SteeringVector typed = server.vectors().get("typed"), oracle = Extractor.meanDifference(model, TYPED_POS, TYPED_NEG, 1, 2, 3, 4);
                assertEquals(oracle.layers().keySet(), typed.layers().keySet());
                for (int l : oracle.layers().keySet()) {
                    assertTrue(Similarity.cosine(oracle.get(l), typed.get(l)) > 0.99999, "layer " + l + " is the mean difference of the typed prompts");
                    assertEquals(SteeringVector.norm(oracle.get(l)), SteeringVector.norm(typed.get(l)), 1e-4 * SteeringVector.norm(oracle.get(l)));
                }

                // the columns: 0 unsteered, 1 add, 2 clamp on generated positions, 3 ablate, 4 CAST off, 5 CAST on, 6 typed
                assertEquals("3", r.get("shownCoefficient").asText());
                JsonNode cols = r.get("columns");
                assertEquals(7, cols.size(), line);
                String plain = cols.get(0).get("text").asText();
                assertTrue(plain.startsWith(" he loved to play with his toys"), "unsteered greedy story: " + plain);
                for (JsonNode c : cols) {
                    assertTrue(c.get("error").isNull(), "no column failed: " + c);
                    assertTrue(c.get("tokenSpans").asInt() > 10, "generated tokens are hoverable spans: " + c);
                    assertTrue(c.get("guard").asText().contains("sad"), "guard verdicts shown: " + c.get("guard"));
                }
                assertTrue(cols.get(0).get("guard").asText().contains("flagged"), "the sad prompt is flagged: " + cols.get(0).get("guard"));
                assertEquals("happy × 3.0 @4-4", cols.get(1).get("summary").asText());
                assertNotEquals(plain, text(cols, 1), "adding happy × 3 changes the text");
                assertEquals("clamp happy = 6.0 @4-4 [generated]", cols.get(2).get("summary").asText());
                assertNotEquals(plain, text(cols, 2), "clamping to 6 on the generated positions changes the text");
                assertEquals("ablate happy@4", cols.get(3).get("summary").asText());
                for (JsonNode t : cols.get(3).get("heat"))
                    assertEquals(0, t.get("value").asDouble(), 1e-3, "ablating happy@4 leaves no projection on it at layer 4: " + t);
                assertEquals("false", cols.get(4).get("conditionActive").asText(), "cos above 1 never holds: " + cols.get(4).get("condition"));
                assertEquals(plain, text(cols, 4), "CAST gated the steering off, so the text is the unsteered one");
                assertEquals("true", cols.get(5).get("conditionActive").asText(), "cos above -1 always holds: " + cols.get(5).get("condition"));
                assertEquals(text(cols, 1), text(cols, 5), "CAST gated the steering on, so the text is column 1's");
                assertNotEquals(plain, text(cols, 6), "the vector extracted in the page steers");
                String status = r.get("status").asText();
                assertTrue(status.startsWith("done in ") && status.contains("Column 1: the steering changed the text")
                        && status.contains("Column 4: same text as unsteered"), status);

                // one colour scale: the legend's max is the largest |projection| of any column, and every token's alpha is |v|/max
                JsonNode legend = r.get("legend");
                assertFalse(legend.get("hidden").asBoolean(), line);
                double max = 0, smallestColumnMax = Double.MAX_VALUE;
                for (JsonNode c : cols) {
                    double own = 0;
                    for (JsonNode t : c.get("heat")) own = Math.max(own, Math.abs(t.get("value").asDouble()));
                    max = Math.max(max, own);
                    smallestColumnMax = Math.min(smallestColumnMax, own);
                    assertTrue(c.get("heat").size() > 10, "every column has its heatmap: " + c);
                }
                assertEquals(max, legend.get("max").asDouble(), 1e-9, "the legend's scale");
                assertTrue(legend.get("text").asText().contains("one scale for all 7 columns"), legend.toString());
                assertTrue(smallestColumnMax < 0.5 * max, "the columns differ in range, so one scale is visible: " + smallestColumnMax + " vs " + max);
                for (JsonNode c : cols)
                    for (JsonNode t : c.get("heat")) {
                        double v = t.get("value").asDouble();
                        // Chromium keeps alpha in 8 bits: within 1/255 (plus the page's 3 decimals)
                        assertEquals(Math.min(1, Math.abs(v) / max), alpha(t.get("background").asText()), 1 / 255.0 + 0.001, "colour of " + t + " on the shared scale");
                    }

                // the token-by-layer grid: one row per layer of happy (1-4), row 4 is the one-layer heatmap, one scale
                JsonNode grid = r.get("grid");
                assertTrue(grid.get("status").asText().startsWith("done in "), grid.get("status").asText());
                assertTrue(grid.at("/legend/text").asText().contains("projection on happy at layers 1, 2, 3, 4, one scale for all 7 columns"), grid.get("legend").toString());
                double gridMax = 0;
                for (JsonNode rows : grid.get("columns"))
                    for (JsonNode row : rows) for (JsonNode c : row.get("cells")) gridMax = Math.max(gridMax, Math.abs(c.get("value").asDouble()));
                assertEquals(gridMax, grid.at("/legend/max").asDouble(), 1e-9);
                for (int i = 0; i < cols.size(); i++) {
                    JsonNode rows = grid.get("columns").get(i);
                    assertEquals(List.of(1, 2, 3, 4), List.of(rows.get(0).get("layer").asInt(), rows.get(1).get("layer").asInt(),
                            rows.get(2).get("layer").asInt(), rows.get(3).get("layer").asInt()), "column " + i + " rows");
                    JsonNode l4 = rows.get(3).get("cells"), one = cols.get(i).get("heat");
                    assertEquals(one.size(), l4.size(), "column " + i);
                    for (int t = 0; t < l4.size(); t++)
                        assertEquals(one.get(t).get("value").asDouble(), l4.get(t).get("value").asDouble(), 1e-4, "column " + i + " token " + t + " at layer 4");
                    for (JsonNode row : rows)
                        for (JsonNode c : row.get("cells"))
                            assertEquals(Math.min(1, Math.abs(c.get("value").asDouble()) / gridMax), alpha(c.get("background").asText()), 1 / 255.0 + 0.001, "grid colour " + c);
                }

                // hover: the baseline's first token shows the probability and alternatives the API gives for it
                JsonNode api = post(server, "/v1/completions", "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 60, \"temperature\": 0, \"seed\": 7, \"logprobs\": 5}").json();
                JsonNode lp = api.at("/choices/0/logprobs");
                String tip = r.at("/hover/tip").asText();
                assertEquals(lp.at("/tokens/0").asText(), r.at("/hover/token").asText());
                assertTrue(tip.startsWith(JSON.writeValueAsString(lp.at("/tokens/0").asText()) + " p = " + pct(lp.at("/token_logprobs/0").asDouble())), tip);
                var alts = lp.at("/top_logprobs/0").fields();
                int n = 0;
                while (alts.hasNext()) {
                    var a = alts.next();
                    assertTrue(tip.contains(JSON.writeValueAsString(a.getKey()) + " " + pct(a.getValue().asDouble())), a + " in " + tip);
                    n++;
                }
                assertEquals(5, n, "five alternatives");

                // layer ranges that run backwards: refused in the page (nothing sent) and by the server (400)
                JsonNode back = r.get("backwards");
                assertEquals(0, back.get("requests").asInt(), "no request for a backwards range: " + back);
                assertTrue(back.get("columnError").asText().contains("layers 4 to 2 run backwards"), back.toString());
                assertTrue(back.get("status").asText().startsWith("not generated: Column 1:"), back.toString());
                assertEquals(400, r.at("/direct/status").asInt());
                assertEquals("'steering[0].layers' must be [from, to] with from <= to (0 <= from <= to, or negative from the end), got [4,2]", r.at("/direct/body/error/message").asText());

                // a steered request that fails is shown as a failure, never as "the steering changed the text"
                JsonNode failed = r.get("failed");
                assertEquals("error", failed.get("state").asText(), failed.toString());
                assertTrue(failed.get("status").asText().startsWith("1 of 7 columns failed"), failed.toString());
                assertFalse(failed.get("status").asText().contains("changed the text"), failed.toString());
                assertEquals("HTTP 400: 'steering[0].layers': vector 'happy' has no direction in layers 0 (it has layers [1, 2, 3, 4])", failed.get("error").asText());
                assertEquals("true", failed.get("outFailed").asText());

                // columns come and go
                assertEquals(7, r.get("beforeSweep").asInt());
                assertEquals(9, r.get("afterSweep").asInt(), "one column per swept coefficient");
                assertEquals(8, r.get("afterRemove").asInt());
                List<String> summaries = new ArrayList<>();
                r.get("sweepSummaries").forEach(x -> summaries.add(x.asText()));
                assertEquals(List.of("typed × 1.0 @1-4", "typed × 2.0 @1-4"), summaries.subList(7, 9), "the sweep copies the last column: " + summaries);

                // the only console errors are Chromium's notes on the three 400s the test provoked
                for (JsonNode e : r.get("consoleErrors"))
                    assertTrue(e.asText().contains("the server responded with a status of 400"), "console errors: " + r.get("consoleErrors"));
                assertEquals(3, r.get("consoleErrors").size(), "console errors: " + r.get("consoleErrors"));
                assertEquals(0, r.get("foreignRequests").size(), "requests beyond the server: " + r.get("foreignRequests"));
            }
        }
    }

    /** The script's options: the columns to build and the pairs to type. */
    static String browserOptions() throws IOException {
        Map<String, Object> add = Map.of("method", "add", "vector", "happy", "amount", 3, "layers", List.of(4, 4));
        List<Object> columns = List.of(
                Map.of("ops", List.of(add)),
                Map.of("ops", List.of(Map.of("method", "clamp", "vector", "happy", "amount", 6, "layers", List.of(4, 4), "positions", "generated"))),
                Map.of("ops", List.of(Map.of("method", "ablate", "vector", "happy", "layer", 4))),
                Map.of("ops", List.of(add), "cast", Map.of("vector", "happy", "layer", 4, "comparison", "above", "threshold", 1)),
                Map.of("ops", List.of(add), "cast", Map.of("vector", "happy", "layer", 4, "comparison", "above", "threshold", -1)),
                Map.of("ops", List.of(Map.of("method", "add", "vector", "typed", "amount", 1, "layers", List.of(1, 4)))));
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("vector", "happy");
        o.put("prompt", PROMPT);
        o.put("heatLayer", 4);
        o.put("missingLayer", 0);
        o.put("sweep", List.of(1, 2));
        o.put("extract", Map.of("name", "typed", "positive", TYPED_POS, "negative", TYPED_NEG, "layers", List.of(1, 4)));
        o.put("columns", columns);
        return JSON.writeValueAsString(o);
    }

    static JsonNode runBrowser(Path chromium, String node, String url, String opts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(node, DIR.resolve("playground.mjs").toString(), url, opts));
        String shot = System.getenv("STEER4J_SCREENSHOT");
        if (shot != null && !shot.isBlank()) cmd.add(Path.of(shot).toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("STEER4J_CHROMIUM", chromium.toString());
        Process p = pb.start();
        byte[] out;
        try (var in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the browser script finished");
        String log = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), log);
        String line = log.lines().filter(l -> l.startsWith("RESULT ")).findFirst().orElseThrow(() -> new AssertionError(log));
        return JSON.readTree(line.substring(7));
    }

    static String text(JsonNode cols, int i) {
        return cols.get(i).get("text").asText();
    }

    /** The alpha of a computed CSS colour: rgba(r, g, b, a), or 1 for rgb(r, g, b). */
    static double alpha(String css) {
        String[] parts = css.substring(css.indexOf('(') + 1, css.indexOf(')')).split(",");
        return parts.length == 4 ? Double.parseDouble(parts[3].trim()) : 1;
    }

    /** A probability as the page prints it (JavaScript's toFixed(2) of the percentage: exact value, ties up). */
    static String pct(double logprob) {
        return new BigDecimal(Math.exp(logprob) * 100).setScale(2, RoundingMode.HALF_UP).toPlainString() + "%";
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
