package dev.steer4j.cli;

import dev.steer4j.runtime.GenerationConfig;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;

/** Sampling and stopping options shared by the commands that generate text. */
public final class SamplingOptions {
    @Option(names = {"-n", "--max-tokens"}, defaultValue = "128", description = "Maximum tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"-t", "--temperature"}, defaultValue = "0.8", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Top-p (nucleus); 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--seed", description = "Seed for sampling; the same seed gives the same text (default: random)")
    Long seed;

    @Option(names = "--stop", description = "Stop string (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens")
    boolean ignoreEos;

    public GenerationConfig config() {
        long s = seed != null ? seed : System.nanoTime();
        return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repeatPenalty, 64, s, stop, !ignoreEos);
    }
}
