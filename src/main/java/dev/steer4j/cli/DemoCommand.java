package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.serve.ServeOptions;
import dev.steer4j.serve.Steer4jServer;
import dev.steer4j.steer.Steering;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.Datasets;
import dev.steer4j.steer.extract.Extraction;
import dev.steer4j.steer.extract.ExtractionResult;
import dev.steer4j.steer.extract.Method;
import dev.steer4j.steer.extract.ReadPosition;
import dev.steer4j.steer.extract.SentimentTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;

/**
 * {@code steer4j demo}: the main job on the bundled model. Streams a story, extracts a happy - sad steering vector
 * from the pair set shipped in the jar, retells the story steered both ways with the same seed, and measures the
 * shift in the log-probability of happy and sad words.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the main job on the bundled model: stream a story, extract a happy - sad vector from the "
                + "shipped pairs, tell the story steered both ways, and measure the sentiment shift."})
public final class DemoCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", defaultValue = "Once upon a time", description = "Story opening (default: ${DEFAULT-VALUE})")
    String prompt;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "7", description = "Sampling seed, the same for every story (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--coefficient", paramLabel = "C", defaultValue = "1.0",
            description = "Steering strength: the stories use +c and -c times the vector (default: ${DEFAULT-VALUE})")
    double coefficient;

    @Option(names = {"-n", "--max-tokens", "--tokens"}, paramLabel = "N", defaultValue = "120", description = "Tokens per story (default: ${DEFAULT-VALUE})")
    int tokens;

    @Option(names = "--serve", description = "Afterwards, serve the model with the demo's vector in the library (as 'happy-sad') and print the URL")
    boolean serve;

    @Option(names = "--port", paramLabel = "PORT", defaultValue = "8080", description = "Port for --serve (default: ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws InterruptedException {
        if (!(coefficient > 0) || !Double.isFinite(coefficient))
            throw new IllegalArgumentException("--coefficient must be a positive number, got " + coefficient);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        try (Model m = model.load()) {
            out.println("== steer4j demo: " + m.config().name() + " (" + m.config().architecture().ggufName + ", "
                    + m.config().layers() + " layers, n_embd " + m.config().dim() + ") ==");
            ForwardPass fp = new ForwardPass(m);
            Generator g = new Generator(fp);
            GenerationConfig cfg = GenerationConfig.sampled(tokens, 0.8f, seed);

            out.println("-- story (temperature 0.8, seed " + seed + ") --");
            story(out, m, g, cfg, Steering.none());

            ContrastiveDataset pairs = Datasets.happySad();
            int n = m.config().layers();
            int[] layers = n > 1 ? IntStream.range(1, n).toArray() : new int[]{0};
            long t0 = System.nanoTime();
            ExtractionResult r = Extraction.builder(m).method(Method.MEAN).layers(layers).read(ReadPosition.MEAN)
                    .forwardPass(fp).run(pairs);
            double ms = (System.nanoTime() - t0) / 1e6;
            SteeringVector v = r.vector();
            out.printf(Locale.ROOT, "-- happy - sad vector: mean difference over the %d shipped pairs (%s), resid_post, "
                    + "mean over tokens, layers %s; %.0f ms --%n", pairs.positives().size(), "steer4j/data/happy_sad.jsonl",
                    Extraction.formatLayers(layers), ms);
            out.print(r.table());

            Steering happy = Steering.none().add(v, coefficient), sad = Steering.none().add(v, -coefficient);
            out.printf(Locale.ROOT, "-- story steered %+.1f x (happy - sad), seed %d --%n", coefficient, seed);
            story(out, m, g, cfg, happy);
            out.printf(Locale.ROOT, "-- story steered %+.1f x (happy - sad), seed %d --%n", -coefficient, seed);
            story(out, m, g, cfg, sad);

            SentimentTarget target = new SentimentTarget(m, fp);
            SentimentTarget.Score s0 = target.score(Steering.none()), sh = target.score(happy), ss = target.score(sad);
            out.println("-- measured shift: mean log-probability of sentiment words after " + SentimentTarget.CONTEXTS.size()
                    + " neutral openings --");
            out.println("   happy words: " + String.join(", ", SentimentTarget.HAPPY) + "; sad words: "
                    + String.join(", ", SentimentTarget.SAD) + " (each word's tokens summed)");
            out.printf(Locale.ROOT, "%-22s %12s %12s %10s %8s%n", "setting", "log p(happy)", "log p(sad)", "log-odds", "shift");
            row(out, "unsteered", s0, s0);
            row(out, String.format(Locale.ROOT, "%+.1f x (happy - sad)", coefficient), sh, s0);
            row(out, String.format(Locale.ROOT, "%+.1f x (happy - sad)", -coefficient), ss, s0);
            if (serve) serve(out, m, v);
        }
        return 0;
    }

    /** Serves the loaded model with the demo's vector in the library until the process is stopped. */
    private void serve(PrintStream out, Model m, SteeringVector v) throws InterruptedException {
        try (Steer4jServer server = Steer4jServer.start(m, ServeOptions.defaults().withPort(port))) {
            server.vectors().put("happy-sad", v, true);
            out.println("-- serving " + m.config().name() + " with vector 'happy-sad' in the library " + server.vectors().dir() + " --");
            String url = server.url().endsWith("/") ? server.url() : server.url() + "/";
            out.println("playground: " + url);
            out.println("try: curl -s " + url + "v1/completions -H 'Content-Type: application/json' -d "
                    + "'{\"prompt\": \"Once upon a time\", \"max_tokens\": 30, \"temperature\": 0, "
                    + "\"steering\": [{\"vector\": \"happy-sad\", \"coefficient\": 1.0}]}'");
            out.println("(Ctrl-C stops the server)");
            server.awaitStop();
        }
    }

    private void story(PrintStream out, Model m, Generator g, GenerationConfig cfg, Steering steering) {
        SequenceState seq = new SequenceState(m);
        out.print(prompt);
        try (Steering.Applied a = steering.applyTo(seq)) {
            g.generate(seq, m.tokenizer().encode(prompt), cfg, (t, text) -> {
                out.print(text);
                return true;
            });
        }
        out.println();
    }

    private static void row(PrintStream out, String name, SentimentTarget.Score s, SentimentTarget.Score base) {
        out.printf(Locale.ROOT, "%-22s %12.3f %12.3f %10.3f %+8.3f%n", name, s.happy(), s.sad(), s.logOdds(), s.logOdds() - base.logOdds());
    }
}
