package dev.steer4j.train;

import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;

import java.util.List;

/** Perplexity of documents under the inference engine: exp of the mean negative log-likelihood of every token after BOS. */
public final class Perplexity {
    private Perplexity() {}

    public static double of(ForwardPass fp, List<int[]> documents) {
        int vocab = fp.model().config().vocabSize();
        double nll = 0;
        long count = 0;
        SequenceState seq = new SequenceState(fp.model());
        for (int[] doc : documents) {
            if (doc.length < 2) continue;
            seq.reset();
            seq.setPromptLength(doc.length);
            float[] logits = fp.forward(seq, doc, true);
            for (int i = 0; i + 1 < doc.length; i++) {
                int off = i * vocab;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < vocab; j++) max = Math.max(max, logits[off + j]);
                double s = 0;
                for (int j = 0; j < vocab; j++) s += Math.exp(logits[off + j] - max);
                nll -= logits[off + doc[i + 1]] - max - Math.log(s);
                count++;
            }
        }
        if (count == 0) throw new IllegalArgumentException("no document has a token after BOS");
        return Math.exp(nll / count);
    }
}
