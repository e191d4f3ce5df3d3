package dev.steer4j.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.steer4j.model.Model;
import dev.steer4j.read.Progress;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.testutil.Fixtures;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The LLM-judge client against a small OpenAI-compatible server written for the test (on 127.0.0.1). The fake judge
 * reads the prompt like a real one would: concept 2 when the fragment mentions "happy", fluency 1 for fragments with
 * a repeated word, instruction 2, behaviour 7.
 */
class JudgeTest {
    static final ObjectMapper JSON = new ObjectMapper();
    HttpServer server;
    String url;
    final List<JsonNode> requests = Collections.synchronizedList(new ArrayList<>());
    final List<String> auth = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger failuresLeft = new AtomicInteger();
    volatile int failCode = 500;
    volatile String fixedReply;
    @TempDir Path dir;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/chat/completions", ex -> {
            byte[] body = ex.getRequestBody().readAllBytes();
            JsonNode req = JSON.readTree(body);
            requests.add(req);
            auth.add(ex.getRequestHeaders().getFirst("Authorization"));
            int code = 200;
            String resp;
            if (failuresLeft.getAndDecrement() > 0) {
                code = failCode;
                resp = "{\"error\": {\"message\": \"judge overloaded\", \"type\": \"server_error\"}}";
            } else {
                String prompt = req.path("messages").path(0).path("content").asText();
                String reply = fixedReply != null ? fixedReply : reply(prompt);
                resp = JSON.createObjectNode().put("id", "x").put("object", "chat.completion")
                        .set("choices", JSON.createArrayNode().add(JSON.createObjectNode().put("index", 0)
                                .set("message", JSON.createObjectNode().put("role", "assistant").put("content", reply)))).toString();
            }
            byte[] out = resp.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(code, out.length);
            ex.getResponseBody().write(out);
            ex.close();
        });
        server.start();
        url = "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static String fragment(String prompt) {
        int a = prompt.indexOf("[Text Fragment Start]"), b = prompt.indexOf("[Text Fragment End]");
        if (a >= 0) return prompt.substring(a, b);
        a = prompt.indexOf("[Answer Start]");
        return prompt.substring(a, prompt.indexOf("[Answer End]"));
    }

    static String reply(String prompt) {
        String f = fragment(prompt).toLowerCase();
        if (prompt.contains("[Concept Start]")) return "The fragment " + (f.contains("happy") ? "mentions happiness. Rating: [[2]]" : "has no happiness. Rating: [[0]]");
        if (prompt.contains("[Instruction Start]")) return "Related. Rating: [[2]]";
        if (prompt.contains("fluency")) {
            String[] w = f.replaceAll("[^a-z ]", " ").trim().split("\\s+");
            for (int i = 1; i < w.length; i++) if (w[i].equals(w[i - 1])) return "Repetitive. Rating: [[1]]";
            return "Fluent. Rating: [[2]]";
        }
        if (prompt.contains("scale from 0 to 10")) return "Some cheer.\nRating: [[7]]";
        return "I do not know";
    }

    Judge judge(int retries) {
        return new Judge(new Judge.Config(url, "judge-1", "sk-test", Duration.ofSeconds(10), retries));
    }

    @Test
    void scoresFollowTheRepliesAndRequestsAreOpenAiShaped() {
        Judge j = judge(0);
        assertEquals(2, j.concept("happiness", "Lily was happy."));
        assertEquals(0, j.concept("happiness", "Lily went home."));
        assertEquals(1, j.fluency("the the dog ran"));
        assertEquals(2, j.fluency("The dog ran."));
        assertEquals(7, j.behaviour("the text is cheerful", "Tell a story", "A nice day."));
        Judge.Scores s = j.scoreAll("happiness", null, "Write about a dog", "The happy dog ran.");
        assertEquals(new Judge.Scores(2, 2, 2, Double.NaN), s);
        assertEquals(2, s.aggregate(), 1e-12);
        assertEquals(3 / (1 / 2.0 + 1 / 1.0 + 1 / 2.0), new Judge.Scores(2, 1, 2, 0).aggregate(), 1e-12);
        assertEquals(0, new Judge.Scores(0, 2, 2, 0).aggregate());

        JsonNode r = requests.getFirst();
        assertEquals("judge-1", r.get("model").asText());
        assertEquals(0, r.get("temperature").asInt());
        assertEquals("user", r.get("messages").get(0).get("role").asText());
        assertTrue(r.get("messages").get(0).get("content").asText().contains("[Concept Start]\nhappiness\n[Concept End]"));
        assertEquals("Bearer sk-test", auth.getFirst());
    }

    @Test
    void retriesServerErrorsAndReportsClientErrors() {
        failuresLeft.set(2);
        assertEquals(2, judge(2).fluency("Fine text."));
        assertEquals(3, requests.size());

        failuresLeft.set(5);
        Judge.JudgeException e = assertThrows(Judge.JudgeException.class, () -> judge(1).fluency("x"));
        assertEquals("the judge at " + url + "/chat/completions answered HTTP 500: {\"error\": {\"message\": \"judge overloaded\", \"type\": \"server_error\"}}", e.getMessage());

        failuresLeft.set(1);
        failCode = 401;
        e = assertThrows(Judge.JudgeException.class, () -> judge(3).fluency("x"));
        assertEquals("the judge at " + url + "/chat/completions answered HTTP 401: judge overloaded", e.getMessage());
    }

    @Test
    void unparsableOrOutOfRangeRatingsAreErrors() {
        fixedReply = "It is fine, I think.";
        Judge.JudgeException e = assertThrows(Judge.JudgeException.class, () -> judge(0).fluency("x"));
        assertEquals("the judge's reply has no \"Rating: [[n]]\": It is fine, I think.", e.getMessage());
        fixedReply = "Rating: [[5]]";
        e = assertThrows(Judge.JudgeException.class, () -> judge(0).concept("c", "x"));
        assertEquals("the judge's rating 5.0 is outside 0-2: Rating: [[5]]", e.getMessage());
        fixedReply = "8";
        assertEquals(8, judge(0).behaviour("b", "q", "a"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new Judge.Config("ftp://x", "m", null, null, 0));
        assertEquals("judge URL 'ftp://x' must start with http:// or https://", bad.getMessage());
    }

    @Test
    void sweepWithOpenEndedCompletionsAndTheJudge() throws Exception {
        try (Model model = Model.load(Fixtures.stories260K())) {
            ForwardPass fp = new ForwardPass(model);
            Sweep.Spec spec = new Sweep.Spec(HappySad.vector(fp, 3, 3), "happy_sad", List.of(3), List.of(0.0, 2.0), null, PromptFormat.AUTO,
                    null, null, 0, 0, List.of("Once upon a time", "The dog"), GenerationConfig.greedy(12),
                    judge(0), "happiness", "the text is cheerful and happy");
            Sweep.Results r = Sweep.run(fp, spec, dir, Progress.NONE);
            Sweep.Point p = r.point(3, 2.0);
            assertEquals(2, p.open().completions().size());
            for (OpenEval.Completion c : p.open().completions()) {
                double expectConcept = c.text().toLowerCase().contains("happy") ? 2 : 0;
                assertEquals(expectConcept, c.scores().concept(), c.text());
                assertEquals(7, c.scores().behaviour());
            }
            // 3 settings (baseline, 0, 2) × 2 prompts × 4 judge calls
            assertEquals(24, requests.size());
            // coefficient 0 generates exactly the unsteered text
            assertEquals(r.baseline().open().completions().get(0).text(), r.point(3, 0).open().completions().get(0).text());
            SweepReport.Written w = SweepReport.write(r, dir);
            assertTrue(w.plots().stream().anyMatch(f -> f.getFileName().toString().equals("judge_vs_coefficient.png")));
            String csv = Files.readString(w.csv());
            assertTrue(csv.lines().skip(1).allMatch(l -> l.endsWith(",7.0")), csv);
            String html = Files.readString(w.html());
            assertTrue(html.contains("Open-ended completions"));
        }
    }
}
