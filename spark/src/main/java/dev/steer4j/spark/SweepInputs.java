package dev.steer4j.spark;

import dev.steer4j.eval.AbDataset;
import dev.steer4j.eval.Judge;
import dev.steer4j.eval.PromptFormat;
import dev.steer4j.eval.Sweep;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.VectorMetadata;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Everything a sweep task needs besides the model, as plain serializable values (the vector's floats, the A/B
 * items, the neutral text: small next to a model): each executor rebuilds the same {@link Sweep.Spec} from it. The
 * judge's API key is not carried: executors read it from the environment variable named here.
 *
 * @param model       GGUF path every executor can read
 * @param out         the sweep's output directory, on storage every executor and the driver share
 */
public record SweepInputs(String model, String out, String vectorName, TreeMap<Integer, float[]> vector,
                          List<Integer> layers, List<Double> coefficients,
                          String abName, List<String[]> abItems, String format,
                          String neutralText, String neutralName, int taxWindow, int taxMaxTokens,
                          List<String> prompts, int maxTokens, float temperature, long seed,
                          String judgeUrl, String judgeModel, String judgeKeyEnv, String concept, String behaviour)
        implements Serializable {

    /** The inputs of a spec built as {@code steer4j sweep} builds it (greedy or sampled completions). */
    public static SweepInputs of(String model, String out, Sweep.Spec s, String judgeKeyEnv) {
        List<String[]> items = null;
        if (s.ab() != null) {
            items = new ArrayList<>();
            for (AbDataset.Item it : s.ab().items()) items.add(new String[]{it.question(), it.matching(), it.notMatching()});
        }
        GenerationConfig g = s.generation();
        return new SweepInputs(model, out, s.vectorName(), new TreeMap<>(s.vector().layers()), new ArrayList<>(s.layers()),
                new ArrayList<>(s.coefficients()), s.ab() == null ? null : s.ab().name(), items, s.format().name(),
                s.neutralText(), s.neutralName(), s.taxWindow(), s.taxMaxTokens(),
                s.prompts() == null ? null : new ArrayList<>(s.prompts()), g.maxTokens(), g.temperature(), g.seed(),
                s.judge() == null ? null : s.judge().config().baseUrl(), s.judge() == null ? null : s.judge().config().model(),
                judgeKeyEnv, s.concept(), s.behaviour());
    }

    /** The spec, rebuilt (on an executor or the driver). */
    public Sweep.Spec spec() {
        AbDataset ab = null;
        if (abItems != null) {
            List<AbDataset.Item> items = new ArrayList<>();
            for (String[] it : abItems) items.add(new AbDataset.Item(it[0], it[1], it[2]));
            ab = new AbDataset(abName, items);
        }
        GenerationConfig gen = temperature == 0 ? GenerationConfig.greedy(maxTokens) : GenerationConfig.sampled(maxTokens, temperature, seed);
        Judge judge = judgeUrl == null ? null : new Judge(new Judge.Config(judgeUrl, judgeModel,
                judgeKeyEnv == null ? null : System.getenv(judgeKeyEnv), Duration.ofSeconds(120), 3));
        return new Sweep.Spec(SteeringVector.of(vector, VectorMetadata.unknown()), vectorName, layers, coefficients, ab,
                PromptFormat.valueOf(format), neutralText, neutralName, taxWindow, taxMaxTokens, prompts, gen, judge, concept, behaviour);
    }
}
