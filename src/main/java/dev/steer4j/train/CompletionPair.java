package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.steer.data.ContrastiveDataset;
import dev.steer4j.steer.data.DatasetException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A contrastive pair as a shared prompt and two completions, in tokens: the positive and negative texts split at the
 * end of their longest common token prefix. "Once upon a time, there was a happy girl" / "... a sad girl" becomes
 * the prompt "Once upon a time, there was a" and the completions " happy girl" and " sad girl"; a CAA A/B pair
 * becomes its question and the two answer letters.
 *
 * @param index the pair's index in its dataset (for messages)
 */
public record CompletionPair(int index, int[] prompt, int[] positive, int[] negative) {

    /** Splits every pair of the dataset; fails naming the first pair that has no shared prefix or no difference. */
    public static List<CompletionPair> of(Model model, ContrastiveDataset data) {
        data.requirePairs("train-vector optimises completions of paired prompts");
        List<CompletionPair> out = new ArrayList<>();
        for (int i = 0; i < data.positives().size(); i++) {
            int[] p = model.tokenizer().encode(data.positives().get(i).text());
            int[] n = model.tokenizer().encode(data.negatives().get(i).text());
            int common = 0;
            while (common < p.length && common < n.length && p[common] == n[common]) common++;
            if (common == p.length && common == n.length)
                throw new DatasetException(data.positiveSource(), "pair " + (i + 1) + ": the positive and negative texts are the same tokens");
            if (common == p.length || common == n.length)
                throw new DatasetException(data.positiveSource(), "pair " + (i + 1) + ": one text is a prefix of the other, so one completion would be empty");
            if (common == 0)
                throw new DatasetException(data.positiveSource(), "pair " + (i + 1) + ": the texts share no prompt (not even the BOS token)");
            out.add(new CompletionPair(i, Arrays.copyOf(p, common), Arrays.copyOfRange(p, common, p.length),
                    Arrays.copyOfRange(n, common, n.length)));
        }
        return out;
    }

    /** The prompt followed by one completion. */
    public int[] sequence(boolean positiveSide) {
        int[] c = positiveSide ? positive : negative;
        int[] s = Arrays.copyOf(prompt, prompt.length + c.length);
        System.arraycopy(c, 0, s, prompt.length, c.length);
        return s;
    }

    /** Logit rows that predict the completion's tokens (row i predicts token i + 1). */
    public int[] predictingRows(boolean positiveSide) {
        int len = (positiveSide ? positive : negative).length;
        int[] rows = new int[len];
        for (int i = 0; i < len; i++) rows[i] = prompt.length - 1 + i;
        return rows;
    }

    public int[] completion(boolean positiveSide) { return positiveSide ? positive : negative; }
}
