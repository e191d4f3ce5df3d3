package dev.steer4j.steer.extract;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.List;

/**
 * A measurable target for happy/sad steering: the mean log-probability of happy words and of sad words right after
 * a fixed set of neutral story contexts, under a steering. A word's log-probability is the sum of its tokens'
 * log-probabilities (teacher-forced), because the 512-token TinyStories vocabulary has a token for "▁happy" but
 * spells "sad" as "▁sa" + "d"; scoring whole words keeps the two lists comparable.
 */
public final class SentimentTarget {
    public static final List<String> CONTEXTS = List.of(
            "Once upon a time, there was a little girl. She was very",
            "One day, Tom went to the park. He felt",
            "The dog looked at the boy. The boy was so",
            "Lily saw her mom and she was");
    public static final List<String> HAPPY = List.of("happy", "glad", "excited", "proud");
    public static final List<String> SAD = List.of("sad", "scared", "angry", "upset");

    /**
     * @param happy   mean log-probability of the happy words over the contexts
     * @param sad     mean log-probability of the sad words
     */
    public record Score(double happy, double sad) {
        /** Mean log-odds of a happy word over a sad word. */
        public double logOdds() { return happy - sad; }
    }

    private final Model model;
    private final ForwardPass forward;
    private final List<String> contexts, happy, sad;

    public SentimentTarget(Model model, ForwardPass forward) {
        this(model, forward, CONTEXTS, HAPPY, SAD);
    }

    public SentimentTarget(Model model, ForwardPass forward, List<String> contexts, List<String> happy, List<String> sad) {
        this.model = model;
        this.forward = forward;
        this.contexts = List.copyOf(contexts);
        this.happy = List.copyOf(happy);
        this.sad = List.copyOf(sad);
    }

    public Score score(Steering steering) {
        Tokenizer tok = model.tokenizer();
        int vocab = model.config().vocabSize();
        double h = 0, s = 0;
        SequenceState seq = new SequenceState(model);
        try (Steering.Applied applied = steering.applyTo(seq)) {
            for (String c : contexts) {
                seq.reset();
                int[] ct = tok.encode(c);
                seq.setPromptLength(ct.length);
                float[] last = forward.forward(seq, ct, false).clone();
                int base = seq.position();
                for (int k = 0; k < 2; k++) {
                    for (String w : k == 0 ? happy : sad) {
                        // the dummy space prefix of SentencePiece gives the word its leading "▁"
                        int[] wt = tok.encode(w, false, false);
                        double lp = logSoftmax(last, 0, vocab, wt[0]);
                        if (wt.length > 1) {
                            float[] logits = forward.forward(seq, java.util.Arrays.copyOf(wt, wt.length - 1), true);
                            for (int j = 1; j < wt.length; j++) lp += logSoftmax(logits, (j - 1) * vocab, vocab, wt[j]);
                            seq.truncate(base);
                        }
                        if (k == 0) h += lp; else s += lp;
                    }
                }
            }
        }
        return new Score(h / (contexts.size() * happy.size()), s / (contexts.size() * sad.size()));
    }

    static double logSoftmax(float[] logits, int off, int n, int id) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += Math.exp(logits[off + i] - max);
        return logits[off + id] - max - Math.log(sum);
    }
}
