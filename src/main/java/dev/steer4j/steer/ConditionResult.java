package dev.steer4j.steer;

import java.util.List;

/**
 * The CAST decision of one applied {@link Steering}: whether it has been decided (the prompt's last row has been
 * read at every condition layer), whether the steering is active, and each condition's score.
 */
public record ConditionResult(boolean decided, boolean active, ConditionRule rule, List<Score> scores) {
    public ConditionResult {
        scores = List.copyOf(scores);
    }

    /**
     * @param score cosine similarity, NaN while undecided
     * @param met   whether this condition holds (false while undecided)
     */
    public record Score(String name, int layer, double threshold, Condition.Comparison comparison, double score, boolean met) {}
}
