package dev.steer4j.cli;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.HookPoint;
import dev.steer4j.runtime.SequenceState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** {@code steer4j bench}: prefill and decode throughput, plain and with a capture hook. A benchmark, not a test. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure prefill and decode tokens/s, plain and with a capture hook on every layer.")
public final class BenchCommand implements Callable<Integer> {
    @Mixin ModelOption model;

    @Option(names = "--prompt-tokens", defaultValue = "128", description = "Prefill length (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--gen-tokens", defaultValue = "64", description = "Decode length (default: ${DEFAULT-VALUE})")
    int genTokens;

    @Option(names = "--repeats", defaultValue = "3", description = "Timed repetitions; the best is reported (default: ${DEFAULT-VALUE})")
    int repeats;

    @Override
    public Integer call() {
        long t0 = System.nanoTime();
        try (Model m = model.load()) {
            double loadMs = (System.nanoTime() - t0) / 1e6;
            ForwardPass fp = new ForwardPass(m);
            int vocab = m.config().vocabSize();
            int ctx = m.config().contextLength();
            int pp = Math.min(promptTokens, ctx - genTokens - 1);
            int[] prompt = new SplittableRandom(42).ints(pp, 3, vocab).toArray();
            prompt[0] = m.tokenizer().bos();
            System.out.printf("model %s, %s, %d threads, load %.1f ms%n", model.path().getFileName(), m.config().architecture().ggufName, fp.pool().threads(), loadMs);
            for (boolean capture : new boolean[]{false, true}) {
                double bestPp = 0, bestTg = 0;
                for (int rep = 0; rep < repeats + 1; rep++) {
                    SequenceState seq = new SequenceState(m);
                    if (capture) {
                        float[] sink = new float[m.config().dim()];
                        for (int l = 0; l < m.config().layers(); l++) {
                            seq.hooks().add(HookPoint.residPost(l), a -> System.arraycopy(a.data(), a.offset(a.rows() - 1), sink, 0, a.width()));
                        }
                    }
                    long a = System.nanoTime();
                    float[] logits = fp.forward(seq, prompt, false);
                    long b = System.nanoTime();
                    int[] one = new int[1];
                    for (int i = 0; i < genTokens; i++) {
                        one[0] = argmax(logits, vocab);
                        logits = fp.forward(seq, one, false);
                    }
                    long c = System.nanoTime();
                    if (rep == 0) continue; // warm-up
                    bestPp = Math.max(bestPp, pp / ((b - a) / 1e9));
                    bestTg = Math.max(bestTg, genTokens / ((c - b) / 1e9));
                }
                System.out.printf("%-22s pp%d %10.1f tok/s   tg%d %10.1f tok/s%n", capture ? "capture hook (all L)" : "plain", pp, bestPp, genTokens, bestTg);
            }
        }
        return 0;
    }

    private static int argmax(float[] x, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) if (x[i] > x[best]) best = i;
        return best;
    }
}
