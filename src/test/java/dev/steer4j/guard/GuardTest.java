package dev.steer4j.guard;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.cli.CliRunner;
import dev.steer4j.model.Model;
import dev.steer4j.read.PromptFile;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.serve.ServeTestSupport;
import dev.steer4j.serve.ServeTestSupport.Response;
import dev.steer4j.serve.Steer4jServer;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.steer4j.serve.ServeTestSupport.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The guard on the bundled model: a "sad story" detector calibrated on two labelled sets written for these tests
 * (src/test/resources/guard), then each policy over HTTP.
 */
class GuardTest {
    static final String SAD = "Lily was sad and cried because her doll was lost.";
    static final String HAPPY = "Lily was happy and laughed with her friends in the sun.";

    @TempDir
    static Path dir;
    static Model model;
    static Calibrator.Result calibration;
    static Steer4jServer plain;
    static final Map<GuardPolicy, Steer4jServer> guarded = new LinkedHashMap<>();

    static List<String> prompts(String name) {
        return PromptFile.readAll(Fixtures.resource("guard/" + name + ".txt"));
    }

    @BeforeAll
    static void setUp() {
        model = ServeTestSupport.model();
        calibration = Calibrator.calibrate(model, "sad", prompts("sad"), prompts("happy"), 0.25, 0, null, GuardPolicy.FLAG);
        plain = Steer4jServer.start(model, options(dir.resolve("v0")));
        for (GuardPolicy p : GuardPolicy.values()) {
            Path f = dir.resolve("guard-" + p.apiName() + ".json");
            // On this 260K-parameter model twice the positive-negative gap is the correction that turns stories happy.
            Detector d = calibration.detector().withPolicy(p).withRefusal("I will not tell sad stories.").withSteer(null, 2.0);
            GuardFile.write(f, new Guard(List.of(d), "stories260K"));
            guarded.put(p, Steer4jServer.start(model, options(dir.resolve("v-" + p.apiName())).withGuardFile(f)));
        }
    }

    @AfterAll
    static void tearDown() {
        plain.close();
        guarded.values().forEach(Steer4jServer::close);
        model.close();
    }

    static JsonNode complete(Steer4jServer s, String prompt, boolean projection) {
        Map<String, Object> b = new LinkedHashMap<>(Map.of("prompt", prompt, "max_tokens", 30, "temperature", 0));
        if (projection) b.put("projection", Map.of("detector", "sad"));
        Response r = post(s, "/v1/completions", b);
        assertEquals(200, r.status(), r.body());
        return r.json();
    }

    static String text(JsonNode r) {
        return r.get("choices").get(0).get("text").asText();
    }

    static JsonNode verdict(JsonNode r) {
        return r.get("steer4j").get("guard").get(0);
    }

    /** Offline score of a prompt: the detector's definition, computed in its own run. */
    static double offlineScore(String prompt) {
        Detector d = calibration.detector();
        double[][][] a = Calibrator.activations(new ForwardPass(model), List.of(prompt), new int[]{d.layer()});
        return Calibrator.scores(a, 0, d.direction())[0];
    }

    @Test
    void calibrationSeparatesHeldOutStories() {
        // 4 held-out prompts per class: at most one mistake per class (stated margin: TPR >= 0.75, FPR <= 0.25).
        assertEquals(4, calibration.holdoutPositive());
        assertEquals(4, calibration.holdoutNegative());
        assertTrue(calibration.holdoutTpr() >= 0.75, calibration.report());
        assertTrue(calibration.holdoutFpr() <= 0.25, calibration.report());
        assertEquals(model.config().layers(), calibration.layers().size());
        assertTrue(offlineScore(SAD) > calibration.detector().threshold(), "the test's sad prompt is positive: " + offlineScore(SAD));
        assertTrue(offlineScore(HAPPY) < calibration.detector().threshold(), "the test's happy prompt is negative: " + offlineScore(HAPPY));
    }

    @Test
    void flagReportsTheSameScoreInTheServingPassAndChangesNothing() {
        Steer4jServer s = guarded.get(GuardPolicy.FLAG);
        PrintStream old = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        JsonNode sad, happy;
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try {
            sad = complete(s, SAD, false);
            happy = complete(s, HAPPY, false);
        } finally {
            System.setErr(old);
        }
        JsonNode v = verdict(sad);
        assertEquals("sad", v.get("detector").asText());
        assertTrue(v.get("triggered").asBoolean());
        assertEquals("flagged", v.get("action").asText());
        // Scored in the pass that served the prompt, equal to the offline score (float32 rows summed in double: 1e-5).
        assertEquals(offlineScore(SAD), v.get("score").asDouble(), 1e-5);
        assertFalse(verdict(happy).get("triggered").asBoolean());
        assertEquals("none", verdict(happy).get("action").asText());
        assertEquals(text(complete(plain, SAD, false)), text(sad), "flag changes nothing");
        assertEquals(text(complete(plain, HAPPY, false)), text(happy));
        String l = log.toString(StandardCharsets.UTF_8);
        assertTrue(l.contains("guard detector 'sad' score") && l.contains("-> flagged"), "the decision is logged: " + l);
        assertTrue(get(s, "/metrics").body().contains("steer4j_guard_decisions_total{action=\"flagged\",detector=\"sad\"}"));
    }

    @Test
    void theGuardAddsNoForwardPass() {
        // Count forward passes of one request (hook_embed runs once per pass) with and without the guard.
        AtomicInteger withGuard = new AtomicInteger(), without = new AtomicInteger();
        try (Steer4jServer g = Steer4jServer.start(model, options(dir.resolve("c1")).withGuardFile(dir.resolve("guard-flag.json")));
             Steer4jServer p = Steer4jServer.start(model, options(dir.resolve("c2")))) {
            g.addRequestHook(seq -> seq.hooks().add(HookPoint.embed(), a -> withGuard.incrementAndGet()));
            p.addRequestHook(seq -> seq.hooks().add(HookPoint.embed(), a -> without.incrementAndGet()));
            complete(g, SAD, false);
            complete(p, SAD, false);
        }
        // One prefill pass + 29 decode passes for 30 tokens, in both.
        assertEquals(30, without.get());
        assertEquals(without.get(), withGuard.get());
    }

    @Test
    void blockAnswersWithTheRefusal() {
        Steer4jServer s = guarded.get(GuardPolicy.BLOCK);
        JsonNode sad = complete(s, SAD, false);
        assertEquals("I will not tell sad stories.", text(sad));
        assertEquals("content_filter", sad.get("choices").get(0).get("finish_reason").asText());
        assertEquals(0, sad.get("usage").get("completion_tokens").asInt());
        assertEquals("blocked", verdict(sad).get("action").asText());
        Response st = post(s, "/v1/chat/completions", Map.of("messages", List.of(Map.of("role", "user", "content", SAD)), "stream", true));
        assertEquals("I will not tell sad stories.", streamedText(sseData(st.body())));
        assertTrue(st.body().contains("\"finish_reason\":\"content_filter\""), st.body());
        assertEquals(text(complete(plain, HAPPY, false)), text(complete(s, HAPPY, false)), "negative prompts pass untouched");
    }

    static double meanGenerated(JsonNode r) {
        double sum = 0;
        int n = 0;
        for (JsonNode t : r.get("steer4j").get("projection").get("tokens")) {
            if (t.get("generated").asBoolean()) {
                sum += t.get("value").asDouble();
                n++;
            }
        }
        assertTrue(n > 0);
        return sum / n;
    }

    @Test
    void steerPushesThisRequestAwayFromTheDetectedDirection() throws Exception {
        Steer4jServer s = guarded.get(GuardPolicy.STEER);
        JsonNode flagged = complete(guarded.get(GuardPolicy.FLAG), SAD, true);
        JsonNode steered = complete(s, SAD, true);
        assertEquals("steered", verdict(steered).get("action").asText());
        assertNotEquals(text(flagged), text(steered));
        // Scored offline with the detector's own definition, the steered continuation reads less sad than the
        // unsteered one, and no longer crosses the threshold (greedy, so deterministic; measured margin 0.067).
        double before = offlineScore(text(flagged)), after = offlineScore(text(steered));
        assertTrue(after < before - 0.03, "detector score of the continuation " + before + " -> " + after);
        assertTrue(after < calibration.detector().threshold(), "steered continuation is not flagged: " + after);
        // For this request only: a happy request alongside gets its unguarded text.
        String happyAlone = text(complete(plain, HAPPY, false));
        List<CompletableFuture<JsonNode>> fs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            fs.add(CompletableFuture.supplyAsync(() -> complete(s, SAD, false)));
            fs.add(CompletableFuture.supplyAsync(() -> complete(s, HAPPY, false)));
        }
        for (int i = 0; i < fs.size(); i++) {
            JsonNode r = fs.get(i).get();
            if (i % 2 == 0) assertEquals(text(steered), text(r));
            else {
                assertEquals(happyAlone, text(r));
                assertEquals("none", verdict(r).get("action").asText());
            }
        }
    }

    @Test
    void ablateProjectsTheDirectionOut() {
        Steer4jServer s = guarded.get(GuardPolicy.ABLATE);
        JsonNode r = complete(s, SAD, true);
        assertEquals("ablated", verdict(r).get("action").asText());
        assertNotEquals(text(complete(plain, SAD, false)), text(r));
        JsonNode flagged = complete(guarded.get(GuardPolicy.FLAG), SAD, true);
        assertTrue(Math.abs(meanGenerated(flagged)) > 0.1, "without ablation the stream has a component: " + meanGenerated(flagged));
        // Every row, prompt (from the detector layer on) and generated, has no component left along the direction
        // (values are rounded to 1e-4 in the response; float32 projection error is far below that).
        for (JsonNode t : r.get("steer4j").get("projection").get("tokens"))
            assertEquals(0.0, t.get("value").asDouble(), 2e-4, t.toString());
        assertEquals(text(complete(plain, HAPPY, false)), text(complete(s, HAPPY, false)));
    }

    @Test
    void guardEndpointListsDetectors() {
        JsonNode g = get(guarded.get(GuardPolicy.BLOCK), "/v1/guard").json();
        assertTrue(g.get("enabled").asBoolean());
        assertEquals("sad", g.get("detectors").get(0).get("name").asText());
        assertEquals("block", g.get("detectors").get(0).get("policy").asText());
        assertFalse(get(plain, "/v1/guard").json().get("enabled").asBoolean());
    }

    @Test
    void calibrateCommandWritesGuardFileAndPrintsHeldOutRates(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("guard.json");
        CliRunner.Result r = CliRunner.run("guard", "calibrate", "--positive", Fixtures.resource("guard/sad.txt").toString(),
                "--negative", Fixtures.resource("guard/happy.txt").toString(), "--holdout", "0.25", "--policy", "block", "--name", "sad", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("held-out: TPR "), r.out());
        assertTrue(r.out().contains("<- chosen"), r.out());
        Guard g = GuardFile.read(out);
        assertEquals(1, g.detectors().size());
        Detector d = g.detectors().getFirst();
        assertEquals(GuardPolicy.BLOCK, d.policy());
        assertEquals(calibration.detector().layer(), d.layer());
        assertEquals(calibration.detector().threshold(), d.threshold(), 1e-9);
        assertEquals(String.format("held-out: TPR %.3f (4 positive), FPR %.3f (4 negative)", calibration.holdoutTpr(), calibration.holdoutFpr()),
                r.out().lines().filter(x -> x.startsWith("held-out")).findFirst().orElseThrow());

        CliRunner.Result missing = CliRunner.run("guard", "calibrate", "--positive", tmp.resolve("nope.txt").toString(),
                "--negative", Fixtures.resource("guard/happy.txt").toString(), "-o", out.toString());
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("nope.txt"), missing.err());
        Files.writeString(tmp.resolve("bad.json"), "{\"detectors\": [{\"name\": \"x\", \"layer\": \"two\"}]}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GuardFile.read(tmp.resolve("bad.json")));
        assertTrue(e.getMessage().contains("detector 'x': \"layer\" must be an integer"), e.getMessage());
    }
}
