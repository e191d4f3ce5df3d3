package dev.steer4j.eval;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * CAA's A/B behaviour metric: for each item, the probability the model gives the answer matching the behaviour,
 * normalised over the two answer tokens, {@code p = e^{l_m} / (e^{l_m} + e^{l_n})}.
 * <p>The answer tokens are found by tokenising prompt + answer for both answers and taking the first token where the
 * two differ; the tokens before it are the context. For CAA's {@code "(A)"}/{@code "(B)"} this puts the shared
 * {@code "("} into the context and compares the letters {@code A} and {@code B}, as CAA does.
 */
public final class AbEval {
    /** An item ready to run: its context tokens and the two answer tokens. */
    public record Prepared(int index, AbDataset.Item item, int[] context, int matchingToken, int notMatchingToken) {}

    /** Per-item probabilities and their mean. */
    public record Result(double mean, double[] perItem) {
        public double stderr() {
            if (perItem.length < 2) return Double.NaN;
            double m = mean, s = 0;
            for (double p : perItem) s += (p - m) * (p - m);
            return Math.sqrt(s / (perItem.length - 1) / perItem.length);
        }
    }

    private final ForwardPass fp;
    private final List<Prepared> items;
    private final PromptFormat format;

    public AbEval(ForwardPass fp, AbDataset data, PromptFormat format) {
        this.fp = fp;
        this.format = format.resolve(fp.model().tokenizer());
        this.items = prepare(fp.model(), data, this.format);
    }

    public List<Prepared> items() { return items; }
    public PromptFormat format() { return format; }

    /** Tokenises every item; errors name the dataset item. */
    public static List<Prepared> prepare(Model model, AbDataset data, PromptFormat format) {
        Tokenizer tok = model.tokenizer();
        List<Prepared> out = new ArrayList<>();
        for (int i = 0; i < data.items().size(); i++) {
            AbDataset.Item it = data.items().get(i);
            String prompt = format.prompt(tok, it.question(), it.matching(), it.notMatching());
            int[] a = format.encode(tok, prompt + it.matching());
            int[] b = format.encode(tok, prompt + it.notMatching());
            int d = 0;
            while (d < a.length && d < b.length && a[d] == b[d]) d++;
            String where = data.name() + ": item " + i;
            if (d == a.length || d == b.length)
                throw new IllegalArgumentException(where + ": the answers '" + it.matching() + "' and '" + it.notMatching() + "' do not differ in their tokens (one is a prefix of the other)");
            if (d == 0) throw new IllegalArgumentException(where + ": the answers differ at the first token, so there is no context to score them after");
            if (d > model.config().contextLength())
                throw new IllegalArgumentException(where + ": the prompt has " + d + " tokens but the model's context is " + model.config().contextLength());
            out.add(new Prepared(i, it, Arrays.copyOf(a, d), a[d], b[d]));
        }
        return out;
    }

    /** Runs every item under {@code steering} (a fresh sequence per item). */
    public Result evaluate(Steering steering) {
        double[] p = new double[items.size()];
        double sum = 0;
        for (int i = 0; i < items.size(); i++) {
            Prepared it = items.get(i);
            SequenceState seq = new SequenceState(fp.model(), it.context().length);
            seq.setPromptLength(it.context().length);
            float[] logits;
            try (Steering.Applied a = steering.applyTo(seq)) {
                logits = lastLogits(seq, it.context());
            }
            p[i] = probability(logits[it.matchingToken()], logits[it.notMatchingToken()]);
            sum += p[i];
        }
        return new Result(sum / p.length, p);
    }

    private float[] lastLogits(SequenceState seq, int[] tokens) {
        float[] logits = null;
        for (int from = 0; from < tokens.length; from += ForwardPass.PREFILL_CHUNK) {
            int n = Math.min(ForwardPass.PREFILL_CHUNK, tokens.length - from);
            logits = fp.forward(seq, Arrays.copyOfRange(tokens, from, from + n), false);
        }
        return logits;
    }

    /** e^a / (e^a + e^b), computed stably. */
    public static double probability(double a, double b) {
        return 1.0 / (1.0 + Math.exp(b - a));
    }
}
