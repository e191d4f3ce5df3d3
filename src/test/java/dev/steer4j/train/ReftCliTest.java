package dev.steer4j.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.steer4j.cli.CliRunner;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.serve.ServeTestSupport;
import dev.steer4j.serve.Steer4jServer;
import dev.steer4j.steer.ReftFile;
import dev.steer4j.steer.ReftIntervention;
import dev.steer4j.steer.ReftPositions;
import dev.steer4j.steer.Steering;
import dev.steer4j.train.grad.Tape;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.stories260K;
import static org.junit.jupiter.api.Assertions.*;

/** {@code steer4j reft} end to end: training moves held-out demonstrations, resume is exact, and generate and serve run the file. */
class ReftCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROMPT = "The farmer had a cow and a pig.";
    @TempDir
    static Path tmp;
    static Path trained;
    static JsonNode report;

    @BeforeAll
    static void train() throws Exception {
        trained = tmp.resolve("end.gguf");
        CliRunner.Result r = CliRunner.run("reft", "-o", trained.toString(), "--steps", "60", "--json");
        assertEquals(0, r.exitCode(), r.err());
        report = JSON.readTree(r.out());
    }

    @Test
    void trainingRaisesTheHeldOutCompletionAndReportsItsCost() {
        assertEquals(60, report.get("steps").asInt());
        assertEquals(10, report.get("held_out").asInt());
        assertEquals(30, report.get("train").asInt());
        double before = report.get("held_out_logprob_before").asDouble(), after = report.get("held_out_logprob_after").asDouble();
        assertTrue(after > before + 1.0, "held-out log p per token rises by more than 1 nat: " + report);
        assertTrue(report.get("held_out_exact_after").asInt() > report.get("held_out_exact_before").asInt(), report.toString());
        assertTrue(report.get("neutral_mean_kl").asDouble() > 0, "an edit that changes nothing is not trained: " + report);
        assertTrue(Double.isFinite(report.get("neutral_perplexity_after").asDouble()), report.toString());
        ReftIntervention r = ReftFile.read(trained);
        assertEquals(4, r.rank());
        assertEquals(List.of(2), List.copyOf(r.layers().keySet()), "default: the middle of stories260K's 5 blocks");
        assertEquals("f1+l1", r.positions().toString());
        assertEquals("60", r.metadata().get("steps"));
    }

    @Test
    void theTrainersTapeAndTheRuntimeHookComputeTheSameLogProbability() throws Exception {
        ReftIntervention r = ReftFile.read(trained);
        try (Model m = Model.load(stories260K())) {
            Demonstration d = Demonstration.parse("test", ("{\"prompt\": \"" + PROMPT + "\", \"completion\": \" The end.\"}\n").getBytes(), m).getFirst();
            ReftTrainer t = new ReftTrainer(m, new ReftTrainer.Options(new int[]{2}, 4, ReftPositions.parse("f1+l1"), 1, 1, 0.01, 1));
            for (int i = 0; i < t.params().size(); i++) {
                var layer = r.layers().get(2);
                float[] src = switch (i) { case 0 -> layer.rotation(); case 1 -> layer.weight(); default -> layer.bias(); };
                for (int k = 0; k < src.length; k++) t.params().get(i).value[k] = src[k];
            }
            double onTape = -t.nll(new Tape(), d, true).item();

            int[] seqTokens = d.sequence();
            SequenceState seq = new SequenceState(m);
            seq.setPromptLength(d.prompt().length);
            double lp = 0;
            try (Steering.Applied a = Steering.none().reft(r).applyTo(seq)) {
                float[] logits = new ForwardPass(m).forward(seq, seqTokens, true);
                int vocab = m.config().vocabSize(), rows[] = d.predictingRows();
                for (int i = 0; i < rows.length; i++)
                    lp += logSoftmax(java.util.Arrays.copyOfRange(logits, rows[i] * vocab, (rows[i] + 1) * vocab), d.completion()[i]);
            }
            // float32 runtime against the float64 tape: 2e-4 nats per token
            assertEquals(onTape, lp / d.completion().length, 2e-4);
        }
    }

    @Test
    void generateRunsTheFile() {
        String[] gen = {"generate", "-p", PROMPT, "-n", "8", "--temp", "0"};
        CliRunner.Result plain = CliRunner.run(gen);
        CliRunner.Result edited = CliRunner.run(concat(gen, "--reft", trained.toString()));
        assertEquals(0, edited.exitCode(), edited.err());
        assertNotEquals(plain.out(), edited.out());
        assertTrue(edited.out().contains("The end."), edited.out());

        CliRunner.Result missing = CliRunner.run(concat(gen, "--reft", tmp.resolve("nope.gguf").toString()));
        assertEquals(1, missing.exitCode());
        assertTrue(missing.err().contains("nope.gguf"), missing.err());
    }

    @Test
    void resumingGivesTheUninterruptedIntervention() throws Exception {
        Path straight = tmp.resolve("a.gguf"), resumed = tmp.resolve("b.gguf");
        assertEquals(0, CliRunner.run("reft", "-o", straight.toString(), "--steps", "4", "--json").exitCode());
        assertEquals(0, CliRunner.run("reft", "-o", resumed.toString(), "--steps", "2", "--json").exitCode());
        CliRunner.Result r = CliRunner.run("reft", "-o", resumed.toString(), "--steps", "4", "--resume", "--json");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("resumed"), r.err());
        ReftIntervention a = ReftFile.read(straight), b = ReftFile.read(resumed);
        for (int l : a.layers().keySet()) {
            assertArrayEquals(a.layers().get(l).rotation(), b.layers().get(l).rotation(), 0);
            assertArrayEquals(a.layers().get(l).weight(), b.layers().get(l).weight(), 0);
            assertArrayEquals(a.layers().get(l).bias(), b.layers().get(l).bias(), 0);
        }
        CliRunner.Result bad = CliRunner.run("reft", "-o", resumed.toString(), "--steps", "4", "--resume", "--rank", "2");
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("rank"), bad.err());
    }

    @Test
    void badDemonstrationsNameTheFileAndLine() throws Exception {
        Path data = tmp.resolve("bad.jsonl");
        Files.writeString(data, "{\"prompt\": \"a\", \"completion\": \" b\"}\n{\"prompt\": \"c\"}\n");
        CliRunner.Result r = CliRunner.run("reft", "-d", data.toString(), "-o", tmp.resolve("x.gguf").toString(), "--steps", "1");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("bad.jsonl") && r.err().contains("line 2") && r.err().contains("completion"), r.err());
    }

    @Test
    void theServerAppliesANamedInterventionPerRequest() throws Exception {
        try (Model m = Model.load(stories260K());
             Steer4jServer s = Steer4jServer.start(m, ServeTestSupport.options(tmp.resolve("lib")).withRefts(Map.of("end", trained)))) {
            String base = "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 8, \"temperature\": 0";
            ServeTestSupport.Response plain = ServeTestSupport.post(s, "/v1/completions", base + "}");
            ServeTestSupport.Response edited = ServeTestSupport.post(s, "/v1/completions", base + ", \"reft\": \"end\"}");
            assertEquals(200, edited.status(), edited.body());
            String plainText = plain.json().at("/choices/0/text").asText(), editedText = edited.json().at("/choices/0/text").asText();
            assertNotEquals(plainText, editedText);
            assertTrue(editedText.startsWith(" The end."), editedText);
            assertEquals("end", edited.json().at("/steer4j/reft/0").asText(), edited.body());

            CliRunner.Result cli = CliRunner.run("generate", "-p", PROMPT, "-n", "8", "--temp", "0", "--reft", trained.toString());
            assertTrue(cli.out().contains(PROMPT + editedText) || cli.out().contains(editedText), "the CLI and the server agree: " + cli.out() + " / " + editedText);

            ServeTestSupport.Response unknown = ServeTestSupport.post(s, "/v1/completions", base + ", \"reft\": \"nope\"}");
            assertEquals(404, unknown.status(), unknown.body());
            assertEquals("reft_not_found", unknown.json().at("/error/code").asText(), unknown.body());
            assertEquals("'reft[0]': no ReFT intervention named 'nope' (this server has end)", unknown.json().at("/error/message").asText());
            ServeTestSupport.Response badType = ServeTestSupport.post(s, "/v1/completions", base + ", \"reft\": 3}");
            assertEquals(400, badType.status(), badType.body());
            assertEquals(200, ServeTestSupport.get(s, "/health").status(), "still serving");
        }
    }

    private static double logSoftmax(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double z = 0;
        for (float v : logits) z += Math.exp(v - max);
        return logits[token] - max - Math.log(z);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
