package dev.steer4j.cli;

import dev.steer4j.runtime.GenerationConfig;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sampling and stopping options shared by the commands that generate text. */
public final class SamplingOptions {
    @Option(names = {"-n", "--max-tokens"}, paramLabel = "N", defaultValue = "128", description = "Maximum tokens to generate (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = {"--temp", "--temperature"}, paramLabel = "T", defaultValue = "0.8", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", paramLabel = "K", defaultValue = "40", description = "Top-k; 0 = off (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", paramLabel = "P", defaultValue = "0.95", description = "Top-p (nucleus); 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", paramLabel = "P", defaultValue = "0.05", description = "Min-p; 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", paramLabel = "R", defaultValue = "1.0", description = "Repetition penalty; 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "P",
            description = "Subtract P from the logit of every token generated so far (OpenAI presence_penalty; default: ${DEFAULT-VALUE})")
    float presencePenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "F",
            description = "Subtract F x its count from the logit of every token generated so far (OpenAI frequency_penalty; default: ${DEFAULT-VALUE})")
    float frequencyPenalty;

    @Option(names = "--logit-bias", paramLabel = "TOKEN+BIAS",
            description = "Add BIAS to token id TOKEN's logit, as llama.cpp's --logit-bias 15043+1 or 15043-1 (repeatable; -100 or -inf bans the token)")
    List<String> logitBias = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", description = "Seed for sampling; the same seed gives the same text (default: random)")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop string (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "Keep generating past end-of-sequence tokens")
    boolean ignoreEos;

    public GenerationConfig config() {
        long s = seed != null ? seed : System.nanoTime();
        return new GenerationConfig(maxTokens, temperature, topK, topP, minP, repeatPenalty, 64, s, stop, !ignoreEos,
                presencePenalty, frequencyPenalty, logitBias(logitBias), -1);
    }

    /** Parses llama.cpp's {@code TOKEN+BIAS} / {@code TOKEN-BIAS} (also {@code TOKEN=BIAS}). */
    static Map<Integer, Float> logitBias(List<String> args) {
        Map<Integer, Float> out = new TreeMap<>();
        for (String a : args) {
            Matcher m = BIAS.matcher(a.trim());
            if (!m.matches())
                throw new IllegalArgumentException("--logit-bias '" + a + "': expected TOKEN+BIAS or TOKEN-BIAS with a token id, e.g. 15043+1.5 or 15043-100");
            float b = m.group(3).equals("inf") ? 100f : Float.parseFloat(m.group(3)); // -inf bans, as in llama.cpp
            out.put(Integer.parseInt(m.group(1)), m.group(2).equals("-") ? -b : b);
        }
        return out;
    }

    private static final Pattern BIAS = Pattern.compile("(\\d+)\\s*([+=-])\\s*(\\d+(?:\\.\\d*)?|\\.\\d+|inf)");
}
