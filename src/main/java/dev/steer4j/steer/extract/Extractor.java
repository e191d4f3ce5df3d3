package dev.steer4j.steer.extract;

import dev.steer4j.model.Model;
import dev.steer4j.steer.SteeringVector;
import dev.steer4j.steer.data.ContrastiveDataset;

import java.util.List;

/**
 * One-line extraction at {@code resid_post}, reading the last token (the answer token for CAA data):
 * <pre>{@code
 * SteeringVector v = Extractor.meanDifference(model, pairs, 1, 2, 3, 4);
 * }</pre>
 * With no layers given, every layer is used. {@link Extraction#builder} has every option and the separation report.
 */
public final class Extractor {
    private Extractor() {}

    public static SteeringVector meanDifference(Model model, ContrastiveDataset data, int... layers) {
        return run(model, Method.MEAN, data, layers);
    }

    public static SteeringVector pcaDiff(Model model, ContrastiveDataset data, int... layers) {
        return run(model, Method.PCA_DIFF, data, layers);
    }

    public static SteeringVector pcaCenter(Model model, ContrastiveDataset data, int... layers) {
        return run(model, Method.PCA_CENTER, data, layers);
    }

    public static SteeringVector probe(Model model, ContrastiveDataset data, int... layers) {
        return run(model, Method.PROBE, data, layers);
    }

    /** ActAdd from one pair of prompts (the shorter padded with spaces). */
    public static SteeringVector actAdd(Model model, String positive, String negative, int... layers) {
        return run(model, Method.ACTADD, ContrastiveDataset.ofPairs("actadd", List.of(positive), List.of(negative)), layers);
    }

    /** Mean difference over in-memory pairs. */
    public static SteeringVector meanDifference(Model model, List<String> positives, List<String> negatives, int... layers) {
        return meanDifference(model, ContrastiveDataset.ofPairs("pairs", positives, negatives), layers);
    }

    public static SteeringVector run(Model model, Method method, ContrastiveDataset data, int... layers) {
        Extraction.Builder b = Extraction.builder(model).method(method);
        if (layers.length > 0) b.layers(layers);
        return b.run(data).vector();
    }
}
