package dev.steer4j.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs llama.cpp's {@code llama-bench} once on a model and reads its {@code -o json} report: a JSON array with one
 * object per test, whose {@code n_prompt} and {@code n_gen} say which test (pp: n_prompt &gt; 0, n_gen = 0; tg: the
 * reverse), {@code avg_ts} the mean tokens/s and {@code samples_ts} each repetition's (field names as
 * {@code llama-bench.cpp}'s {@code test::get_fields} and {@code json_printer} write them).
 */
public final class LlamaBench {
    /** One test of one llama-bench run. */
    public record Test(String name, int nPrompt, int nGen, double avgTokS, double[] samplesTokS) {}

    /** What llama-bench reported: its tests, and the build and CPU it says it ran on. */
    public record Run(List<Test> tests, String buildCommit, String cpuInfo, String modelType, int threads) {
        public Test test(String name) {
            for (Test t : tests) if (t.name().equals(name)) return t;
            return null;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path executable;
    private final long timeoutSeconds;

    public LlamaBench(Path executable, long timeoutSeconds) {
        if (!Files.isRegularFile(executable))
            throw new IllegalArgumentException("--against: llama-bench not found at " + executable);
        if (!Files.isExecutable(executable))
            throw new IllegalArgumentException("--against: " + executable + " is not executable");
        this.executable = executable;
        this.timeoutSeconds = timeoutSeconds;
    }

    public Path executable() { return executable; }

    /** The command line of one run: {@code -r 1} so that the caller can alternate single repetitions. */
    public List<String> command(Path model, int threads, int[] prompts, int[] gens, int repetitions) {
        List<String> cmd = new ArrayList<>(List.of(executable.toString(), "-m", model.toString(), "-t", Integer.toString(threads),
                "-r", Integer.toString(repetitions), "-o", "json"));
        cmd.add("-p");
        cmd.add(prompts.length == 0 ? "0" : join(prompts));
        cmd.add("-n");
        cmd.add(gens.length == 0 ? "0" : join(gens));
        return cmd;
    }

    public Run run(Path model, int threads, int[] prompts, int[] gens, int repetitions) {
        List<String> cmd = command(model, threads, prompts, gens, repetitions);
        Path err = null;
        try {
            err = Files.createTempFile("llama-bench", ".err");
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("--against: " + executable + " did not finish within " + timeoutSeconds + " s");
            }
            if (p.exitValue() != 0)
                throw new IllegalStateException("--against: " + String.join(" ", cmd) + " exited with " + p.exitValue()
                        + ": " + tail(Files.readString(err, StandardCharsets.UTF_8)));
            return parse(new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("--against: cannot run " + executable + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("--against: interrupted while running " + executable, e);
        } finally {
            if (err != null) try { Files.deleteIfExists(err); } catch (IOException ignored) { /* temp file */ }
        }
    }

    /** Parses llama-bench's {@code -o json} output. */
    public static Run parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("--against: llama-bench printed no JSON (" + e.getOriginalMessage() + "): " + tail(json));
        }
        if (root == null || !root.isArray() || root.isEmpty())
            throw new IllegalStateException("--against: llama-bench's JSON is not a non-empty array of tests: " + tail(json));
        List<Test> tests = new ArrayList<>();
        for (JsonNode t : root) {
            for (String f : new String[]{"n_prompt", "n_gen", "avg_ts"})
                if (!t.hasNonNull(f)) throw new IllegalStateException("--against: a llama-bench test has no field " + f + ": " + tail(t.toString()));
            int np = t.get("n_prompt").asInt(), ng = t.get("n_gen").asInt();
            JsonNode s = t.path("samples_ts");
            double[] samples = new double[s.size()];
            for (int i = 0; i < samples.length; i++) samples[i] = s.get(i).asDouble();
            if (samples.length == 0) samples = new double[]{t.get("avg_ts").asDouble()};
            String name = np > 0 && ng > 0 ? "pp" + np + "+tg" + ng : np > 0 ? "pp" + np : "tg" + ng;
            tests.add(new Test(name, np, ng, t.get("avg_ts").asDouble(), samples));
        }
        JsonNode first = root.get(0);
        return new Run(tests, first.path("build_commit").asText(""), first.path("cpu_info").asText(""),
                first.path("model_type").asText(""), first.path("n_threads").asInt(0));
    }

    private static String join(int[] xs) {
        StringBuilder sb = new StringBuilder();
        for (int x : xs) sb.append(sb.isEmpty() ? "" : ",").append(x);
        return sb.toString();
    }

    private static String tail(String s) {
        s = s.strip();
        return s.length() <= 400 ? s : "..." + s.substring(s.length() - 400);
    }
}
