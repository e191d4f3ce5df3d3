package dev.steer4j.train;

import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;

import java.util.List;

/**
 * The behaviour a trained vector is judged by, measured with the inference engine that serves it: the mean over
 * pairs of log p(positive completion) − log p(negative completion), teacher-forced, under a steering.
 */
public final class CompletionScore {
    private CompletionScore() {}

    public static double meanMargin(ForwardPass fp, List<CompletionPair> pairs, Steering steering) {
        if (pairs.isEmpty()) throw new IllegalArgumentException("no pairs to score");
        double sum = 0;
        SequenceState seq = new SequenceState(fp.model());
        try (Steering.Applied applied = steering.applyTo(seq)) {
            for (CompletionPair p : pairs) sum += logProb(fp, seq, p, true) - logProb(fp, seq, p, false);
        }
        return sum / pairs.size();
    }

    /** log p(completion | prompt) of one side of a pair. */
    static double logProb(ForwardPass fp, SequenceState seq, CompletionPair p, boolean positiveSide) {
        seq.reset();
        int[] tokens = p.sequence(positiveSide);
        seq.setPromptLength(tokens.length);
        int vocab = fp.model().config().vocabSize();
        float[] logits = fp.forward(seq, tokens, true);
        int[] rows = p.predictingRows(positiveSide), target = p.completion(positiveSide);
        double lp = 0;
        for (int i = 0; i < rows.length; i++) {
            int off = rows[i] * vocab;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < vocab; j++) max = Math.max(max, logits[off + j]);
            double s = 0;
            for (int j = 0; j < vocab; j++) s += Math.exp(logits[off + j] - max);
            lp += logits[off + target[i]] - max - Math.log(s);
        }
        return lp;
    }
}
