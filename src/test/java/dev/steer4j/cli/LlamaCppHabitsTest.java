package dev.steer4j.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static dev.steer4j.testutil.Fixtures.json;
import static org.junit.jupiter.api.Assertions.*;

/** llama.cpp's spellings ({@code -m -p -f -n -t -c --temp --seed --host --port --api-key}) mean what they mean there. */
class LlamaCppHabitsTest {
    static final String GREEDY = json("reference/stories260K/forward.json").get("cases").get(0).get("greedy_text").asText();
    /** Tests pass the machine's own core count to -t, so the process-wide pool is the same size whichever test runs first. */
    static final String CORES = Integer.toString(Runtime.getRuntime().availableProcessors());

    static <T> T parse(T command, String... args) {
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void llamaCliInvocationGivesTheReferenceGreedyText() {
        CliRunner.Result r = CliRunner.run("generate", "-m", "models/stories260K/stories260K.gguf", "-p", "Once upon a time",
                "-n", "40", "--temp", "0", "-t", CORES, "--seed", "1");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(GREEDY + "\n", r.out());
    }

    @Test
    void dashTIsThreadsAndNeverTemperature() {
        GenerateCommand g = parse(new GenerateCommand(), "-p", "x", "-t", CORES);
        assertEquals(Integer.parseInt(CORES), g.model.threads());
        assertEquals(0.8f, g.sampling.config().temperature(), "-t leaves the temperature at its default");
        assertEquals(0.25f, parse(new GenerateCommand(), "-p", "x", "--temp", "0.25").sampling.config().temperature());
        assertEquals(0.25f, parse(new GenerateCommand(), "-p", "x", "--temperature", "0.25").sampling.config().temperature());
        CliRunner.Result zero = CliRunner.run("generate", "-p", "x", "-t", "0");
        assertEquals(1, zero.exitCode());
        assertEquals("steer4j: --threads must be at least 1, got 0", zero.err().strip());
        // every command that runs a model takes -t/--threads the same way
        for (String cmd : new String[]{"generate", "logits", "activations", "compare", "serve", "bench", "lens", "sweep", "extract", "demo"}) {
            CliRunner.Result h = CliRunner.run(cmd, "--help");
            assertTrue(h.out().contains("-t, --threads=N"), cmd + " --help:\n" + h.out());
        }
    }

    @Test
    void samplingDefaultsAreTheSameInEveryCommand() {
        float generate = parse(new GenerateCommand(), "-p", "x").sampling.config().temperature();
        assertEquals(0.8f, generate, "llama.cpp's default temperature");
        assertEquals(generate, parse(new CompareCommand(), "-p", "x", "--vector", "v.gguf").temperature);
        assertEquals(generate, parse(new SweepCommand(), "--vector", "v.gguf", "-o", "d").temperature);
        assertEquals(0f, parse(new CompareCommand(), "-p", "x", "--vector", "v.gguf", "--temp", "0").temperature);
    }

    @Test
    void promptFromAFileAndFromStandardInput(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("prompt.txt");
        Files.writeString(f, "Once upon a time\n");
        CliRunner.Result r = CliRunner.run("generate", "-f", f.toString(), "-n", "40", "--temp", "0");
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(GREEDY + "\n", r.out(), "the file's one trailing newline is not part of the prompt");

        InputStream old = System.in;
        try {
            System.setIn(new ByteArrayInputStream("Once upon a time".getBytes(StandardCharsets.UTF_8)));
            CliRunner.Result s = CliRunner.run("generate", "-f", "-", "-n", "40", "--temp", "0");
            assertEquals(0, s.exitCode(), s.err());
            assertEquals(GREEDY + "\n", s.out());
        } finally {
            System.setIn(old);
        }
        assertEquals("steer4j: --file " + dir.resolve("none.txt") + ": file not found",
                CliRunner.run("logits", "-f", dir.resolve("none.txt").toString()).err().strip());
        assertEquals("steer4j: give the prompt once: --prompt or --file, not both",
                CliRunner.run("generate", "-f", f.toString(), "-p", "x").err().strip());
        assertEquals("steer4j: no prompt: pass --prompt TEXT or --file FILE (- for standard input)",
                CliRunner.run("generate", "-n", "3").err().strip());
    }

    @Test
    void ctxSizeBoundsPromptPlusGeneration() {
        // "Once upon a time" is 5 tokens with BOS; -c 8 leaves room for 3 more in the cache, and the 4th is sampled
        // from the last logits but not fed back, as llama.cpp stops when the context is full.
        CliRunner.Result r = CliRunner.run("generate", "-p", "Once upon a time", "-n", "40", "--temp", "0", "-c", "8", "--stats");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.err().contains("generated 4 tokens"), r.err());
        assertTrue(GREEDY.startsWith(r.out().strip()) && r.out().strip().length() < GREEDY.length(), r.out());
        CliRunner.Result tooSmall = CliRunner.run("generate", "-p", "Once upon a time", "-c", "3");
        assertEquals(1, tooSmall.exitCode());
        assertEquals("steer4j: context length exceeded: 0 tokens in the cache + 5 new > limit 3", tooSmall.err().strip());
    }

    @Test
    void logitBiasAndPenaltiesAsLlamaCppSpellsThem() {
        // token 403 is ' Once'; +100 forces it in place of the greedy ','
        CliRunner.Result forced = CliRunner.run("generate", "-p", "Once upon a time", "-n", "1", "--temp", "0", "--logit-bias", "403+100");
        assertEquals(0, forced.exitCode(), forced.err());
        assertEquals(" Once\n", forced.out());
        CliRunner.Result banned = CliRunner.run("generate", "-p", "Once upon a time", "-n", "40", "--temp", "0", "--logit-bias", "432-inf");
        assertEquals(0, banned.exitCode(), banned.err());
        // 432 is ',' (the reference's first greedy token): banned, it never appears
        assertFalse(banned.out().contains(","), banned.out());
        assertNotEquals(GREEDY + "\n", banned.out());
        assertEquals(Map.of(15043, 1.5f, 7, -100f), SamplingOptions.logitBias(java.util.List.of("15043+1.5", "7-inf")));
        assertEquals("steer4j: --logit-bias 'hello+1': expected TOKEN+BIAS or TOKEN-BIAS with a token id, e.g. 15043+1.5 or 15043-100",
                CliRunner.run("generate", "-p", "x", "--logit-bias", "hello+1").err().strip());
        var cfg = parse(new GenerateCommand(), "-p", "x", "--presence-penalty", "0.5", "--frequency-penalty", "1.25").sampling.config();
        assertEquals(0.5f, cfg.presencePenalty());
        assertEquals(1.25f, cfg.frequencyPenalty());
    }

    @Test
    void serverFlagsAreLlamaServers() {
        ServeCommand s = parse(new ServeCommand(), "-m", "m.gguf", "--host", "127.0.0.1", "--port", "9090", "--api-key", "K", "-t", CORES);
        assertEquals("m.gguf", s.model.model);
        assertEquals("127.0.0.1", s.host);
        assertEquals(9090, s.port);
        assertEquals("K", s.apiKey);
        // -p is the prompt in llama.cpp, never the port
        CliRunner.Result r = CliRunner.run("serve", "-p", "9090");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("Unknown options: '-p', '9090'"), r.err());
    }
}
