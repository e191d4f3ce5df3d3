package dev.steer4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.model.Model;
import dev.steer4j.read.ActivationPatching;
import dev.steer4j.read.Charts;
import dev.steer4j.read.Html;
import dev.steer4j.read.Progress;
import dev.steer4j.read.Projection;
import dev.steer4j.read.ReadPages;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Opens the sweep report, the reading heatmap and the patching heatmap in headless Chromium (through playwright-core,
 * driven by src/test/browser/check-pages.mjs) and fails on any console error, page error, failed or external request
 * or broken image. A page that logs an error is checked too, to prove the checker can fail.
 * <p>Needs {@code node}, Chromium ({@code /usr/bin/chromium} or {@code $STEER4J_CHROMIUM}) and
 * {@code npm ci --prefix src/test/browser}; set {@code STEER4J_SKIP_BROWSER=1} to skip it where they cannot be installed.
 */
class BrowserReportTest {
    static final Path BROWSER_DIR = Path.of("src/test/browser");
    static final String INSTALL = "install them with: apt-get install -y chromium nodejs npm && npm ci --prefix src/test/browser"
            + " (or set STEER4J_SKIP_BROWSER=1 to skip this test)";
    @TempDir Path dir;

    static boolean skip() {
        return "1".equals(System.getenv("STEER4J_SKIP_BROWSER")) || "1".equals(System.getProperty("STEER4J_SKIP_BROWSER"));
    }

    static Path onPath(String exe) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    @Test
    void reportAndHeatmapsOpenInHeadlessChromiumWithoutErrors() throws Exception {
        Assumptions.assumeFalse(skip(), "STEER4J_SKIP_BROWSER=1");
        Path node = onPath("node");
        Path chromium = Path.of(System.getenv().getOrDefault("STEER4J_CHROMIUM", "/usr/bin/chromium"));
        List<String> missing = new ArrayList<>();
        if (node == null) missing.add("node (not on PATH)");
        if (!Files.isExecutable(chromium)) missing.add("Chromium (" + chromium + ")");
        if (!Files.isRegularFile(BROWSER_DIR.resolve("node_modules/playwright-core/package.json"))) missing.add("playwright-core (" + BROWSER_DIR.resolve("node_modules") + ")");
        if (!missing.isEmpty()) fail("the browser test needs " + String.join(", ", missing) + "; " + INSTALL);

        List<Path> pages = new ArrayList<>();
        try (Model model = Model.load(Fixtures.stories260K())) {
            ForwardPass fp = new ForwardPass(model);
            SteeringVector v = HappySad.vector(fp, 2, 3);
            Path sweep = dir.resolve("sweep");
            AbDataset data = new AbDataset("ab.json", List.of(new AbDataset.Item("She felt very", " happy", " sad"),
                    new AbDataset.Item("Tom was so", " happy", " sad")));
            Sweep.Results r = Sweep.run(fp, new Sweep.Spec(v, "happy_sad <b>&</b>", List.of(2, 3), List.of(-1.0, 0.0, 1.0), data, PromptFormat.AUTO,
                    AlignmentTax.defaultCorpus(), "neutral.txt", 64, 128, List.of("Once upon a time <script>"), GenerationConfig.greedy(8),
                    null, null, null), sweep, Progress.NONE);
            pages.add(SweepReport.write(r, sweep).html());

            Path reading = dir.resolve("reading.html");
            Html.write(reading, ReadPages.reading(model.config().name(), "happy_sad @ layer 3", List.of(
                    Projection.read(fp, "Lily was happy. <b>\"Yes!\"</b>\nShe smiled.", HookPoint.residPost(3), v.get(3)),
                    Projection.read(fp, "Tom was sad.", HookPoint.residPost(3), v.get(3)))));
            pages.add(reading);

            int[] clean = model.tokenizer().encode("It was a fun day. Lily was very"), bad = model.tokenizer().encode("It was a sad day. Lily was very");
            List<HookPoint> points = List.of(HookPoint.residPre(0), HookPoint.residPre(4));
            ActivationPatching.Result pr = ActivationPatching.scan(fp, clean, bad, points, 393, 296, Progress.NONE);
            Path patch = dir.resolve("patch.html");
            Html.write(patch, ReadPages.patching(model.config().name(), "It was a fun day. Lily was very", "It was a sad day. Lily was very", pr,
                    Charts.dataUri(Charts.png(ReadPages.patchChart(pr), 700, 400))));
            pages.add(patch);
        }
        Path control = dir.resolve("control.html");
        Files.writeString(control, "<!DOCTYPE html><html><head><title>control</title></head><body><script>console.error('planted error')</script></body></html>");
        pages.add(control);

        List<String> cmd = new ArrayList<>(List.of(node.toString(), BROWSER_DIR.resolve("check-pages.mjs").toString()));
        for (Path p : pages) cmd.add(p.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("STEER4J_CHROMIUM", chromium.toString());
        Process proc = pb.start();
        String output;
        try (var in = proc.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!proc.waitFor(180, TimeUnit.SECONDS)) {
            proc.destroyForcibly();
            fail("check-pages.mjs did not finish in 180 s: " + output);
        }
        String last = output.strip().lines().reduce((a, b) -> b).orElse("");
        assertNotEquals(2, proc.exitValue(), "Chromium did not start: " + output);
        JsonNode res = new ObjectMapper().readTree(last);
        JsonNode ps = res.get("pages");
        assertEquals(4, ps.size(), output);
        for (int i = 0; i < 3; i++) {
            JsonNode p = ps.get(i);
            assertEquals(0, p.get("problems").size(), p.get("file").asText() + ": " + p.get("problems"));
        }
        assertTrue(ps.get(0).get("title").asText().startsWith("Steering sweep: happy_sad <b>&</b>"), "the title is escaped text, not markup");
        assertEquals(3, ps.get(0).get("images").asInt(), "the sweep report inlines three plots");
        assertEquals(1, ps.get(2).get("images").asInt(), "the patching page inlines its heatmap");
        // the control page proves the checker reports console errors
        assertEquals("[\"console error: planted error\"]", ps.get(3).get("problems").toString());
        assertEquals(1, proc.exitValue());
    }
}
