package dev.steer4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.eval.HappySad;
import dev.steer4j.model.Model;
import dev.steer4j.read.NpyReader;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.steer.ControlVectorFile;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** The read / eval commands end to end on the bundled model. */
class EvalCliTest {
    @TempDir static Path dir;
    static Path vector;

    @BeforeAll
    static void writeVector() {
        vector = dir.resolve("happy_sad.gguf");
        try (Model m = Model.load(Fixtures.stories260K())) {
            ControlVectorFile.write(vector, HappySad.vector(new ForwardPass(m), 1, 4));
        }
    }

    @Test
    void sweepWritesResultsPlotsAndReportAndResumes() throws Exception {
        Path ab = dir.resolve("ab.json");
        Files.writeString(ab, """
                [{"question": "She felt very", "answer_matching_behavior": " happy", "answer_not_matching_behavior": " sad"},
                 {"question": "Tom was so", "answer_matching_behavior": " happy", "answer_not_matching_behavior": " sad"}]
                """);
        Path neutral = dir.resolve("neutral.txt");
        Files.writeString(neutral, "Ben had a red ball. He threw it up high and caught it. Then he went home and ate an apple.");
        Path out = dir.resolve("sweep");
        String[] args = {"sweep", "--vector", vector.toString(), "--layers", "2-3", "--coefficients", "-1:1:1", "--ab", ab.toString(),
                "--neutral", neutral.toString(), "-o", out.toString()};
        CliRunner.Result r = CliRunner.run(args);
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("layer    coef  behaviour        Δ perplexity       KL   top-1\n"), r.out());
        assertTrue(r.out().contains("\n    2       0 "), r.out());
        for (String f : new String[]{"results.csv", "results.json", "report.html", "behaviour_vs_coefficient.png", "tax_vs_coefficient.png", "behaviour_vs_tax.png"})
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        assertTrue(r.err().contains("sweep [") && r.err().contains("7/7 100%"), "progress bar: " + r.err());
        String json = Files.readString(out.resolve("results.json"));

        // resume: everything is there, nothing is recomputed, and the results are the same
        CliRunner.Result again = CliRunner.run(args);
        assertEquals(0, again.exitCode(), again.err());
        assertEquals(json, Files.readString(out.resolve("results.json")));

        CliRunner.Result bad = CliRunner.run("sweep", "--vector", vector.toString(), "--layers", "0", "--ab", ab.toString(), "-o", dir.resolve("x").toString());
        assertEquals(1, bad.exitCode());
        assertEquals("steer4j: vector happy_sad.gguf has no direction for layer 0 (it has layers [1, 2, 3, 4])\n", bad.err());
    }

    @Test
    void readWritesHeatmapAndJson() throws Exception {
        Path out = dir.resolve("read");
        CliRunner.Result r = CliRunner.run("read", "--vector", vector.toString(), "--layer", "3", "-p", "Tom was sad.", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("blocks.3.hook_resid_post on happy_sad.gguf@3: mean "), r.out());
        assertTrue(r.out().contains("' sa'"), r.out());
        JsonNode j = new ObjectMapper().readTree(out.resolve("reading.json").toFile());
        assertEquals(7, j.get("readings").get(0).get("tokens").size()); // <s> " T" "om" " was" " sa" "d" "."
        assertTrue(Files.readString(out.resolve("reading.html")).contains("class=\"tok\""));
    }

    @Test
    void lensShowsHappyOnTopAtLayerOne() {
        CliRunner.Result r = CliRunner.run("lens", "--vector", vector.toString(), "--layers", "1", "-k", "3");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().split("\n");
        assertEquals("layer 1 (happy_sad.gguf)", lines[0]);
        assertTrue(lines[2].strip().startsWith("' happy'"), r.out());
    }

    @Test
    void patchPrintsTheGridAndRefusesUnequalPrompts() throws Exception {
        Path out = dir.resolve("patch");
        CliRunner.Result r = CliRunner.run("patch", "--clean", "It was a fun day. Lily was very", "--corrupted", "It was a sad day. Lily was very",
                "--target", " happy", "--distractor", " sad", "--sites", "resid_pre", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("(target ' happy', distractor ' sa')"), r.out());
        assertTrue(r.out().contains("\nblocks.4.hook_resid_pre "), r.out());
        JsonNode j = new ObjectMapper().readTree(out.resolve("patch.json").toFile());
        assertEquals(5, j.get("patched").size());
        assertTrue(Files.size(out.resolve("patch.png")) > 5000);

        CliRunner.Result bad = CliRunner.run("patch", "--clean", "It was a happy day", "--corrupted", "It was a sad day", "--target", " happy", "--distractor", " sad");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().startsWith("steer4j: the clean prompt has 7 tokens but the corrupted prompt has 8; activation patching needs prompts of equal token length"), bad.err());
    }

    @Test
    void captureWritesNpyFiles() throws Exception {
        Path data = dir.resolve("prompts.txt");
        Files.writeString(data, "Once upon a time\nThe dog ran\n");
        Path out = dir.resolve("acts");
        CliRunner.Result r = CliRunner.run("capture", "--data", data.toString(), "--hooks", "blocks.1.hook_resid_post,hook_embed", "-o", out.toString(), "-q");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("captured 2 prompts, 11 tokens, 11 rows × 64 at 2 hook point(s) into "), r.out());
        try (NpyReader n = new NpyReader(out.resolve("hook_embed.npy"))) {
            assertArrayEquals(new long[]{11, 64}, n.shape());
        }
        CliRunner.Result bad = CliRunner.run("capture", "--data", data.toString(), "--hooks", "blocks.9.hook_resid_post", "-o", out.toString());
        assertEquals("steer4j: hook point 'blocks.9.hook_resid_post': layer 9 does not exist (the model has layers 0-4)\n", bad.err());
    }

    @Test
    void detectAndCosine() throws Exception {
        Path pos = dir.resolve("pos.txt"), neg = dir.resolve("neg.txt");
        Files.writeString(pos, "Lily was so happy\nThe happy dog\n");
        Files.writeString(neg, "Lily was so sad\nThe sad dog\n");
        CliRunner.Result r = CliRunner.run("detect", "--vector", vector.toString(), "--positive", pos.toString(), "--negative", neg.toString(), "--aggregate", "last");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("concept detection: 2 positive, 2 negative prompts; last score at hook_resid_post\n"), r.out());
        assertEquals(4 + 2, r.out().split("\n").length);

        Path png = dir.resolve("cos.png");
        CliRunner.Result c = CliRunner.run("cosine", vector.toString(), "-o", png.toString());
        assertEquals(0, c.exitCode(), c.err());
        assertTrue(c.out().contains("\nhappy_sad@1   1.000   "), c.out());
        assertTrue(Files.size(png) > 5000);
    }
}
