package dev.steer4j.train;

import dev.steer4j.model.Model;
import dev.steer4j.runtime.ForwardPass;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.Generator;
import dev.steer4j.runtime.SequenceState;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What circuit breakers did to held-out prompts, measured on the merged model with the inference engine against the
 * original model. For each prompt x, c is the original model's greedy continuation; then
 * <ul>
 * <li>cosine and distance: mean cos and ‖·‖₂ between the adapted and original representations at the target layers
 *     over x·c (the quantity the rerouting and retain losses train);</li>
 * <li>log p(c | x) per token under the original and under the merged model (does the model still produce what it
 *     used to?);</li>
 * <li>kept: the share of c's tokens the merged model's own greedy continuation reproduces before it first departs;</li>
 * <li>KL: mean KL(original ‖ merged) of the next-token distributions over the positions of x·c.</li>
 * </ul>
 */
public final class CircuitBreakerEval {
    /** The figures of one prompt set. */
    public record Result(int prompts, double cosine, double distance, double logpBefore, double logpAfter, double kept, double meanKl) {}

    /** One prompt's continuation before and after, for showing. */
    public record Example(String prompt, String before, String after) {}

    private CircuitBreakerEval() {}

    /** The original model's greedy continuation of up to {@code n} tokens (stopping at EOS). */
    public static int[] continuation(Model model, int[] prompt, int n) {
        return new Generator(model).generate(new SequenceState(model), prompt, GenerationConfig.greedy(n), null).tokens();
    }

    /** {@code prompt} followed by the original model's greedy continuation: the texts the method trains on. */
    public static List<int[]> withContinuations(Model model, List<int[]> prompts, int n) {
        List<int[]> out = new ArrayList<>();
        for (int[] p : prompts) out.add(concat(p, continuation(model, p, n)));
        return out;
    }

    public static Result measure(CircuitBreaker cb, Model original, Model merged, List<int[]> prompts, int n) {
        int vocab = original.config().vocabSize();
        ForwardPass before = new ForwardPass(original), after = new ForwardPass(merged);
        List<int[]> texts = new ArrayList<>();
        double lpBefore = 0, lpAfter = 0, kept = 0, kl = 0;
        int lpCount = 0, klCount = 0, keptCount = 0;
        for (int[] p : prompts) {
            int[] c = continuation(original, p, n);
            int[] text = concat(p, c);
            texts.add(text);
            float[] lb = before.forward(new SequenceState(original), text, true);
            float[] la = after.forward(new SequenceState(merged), text, true);
            for (int i = 0; i + 1 < text.length; i++) {
                double[] pb = logSoftmax(lb, i * vocab, vocab), pa = logSoftmax(la, i * vocab, vocab);
                double d = 0;
                for (int j = 0; j < vocab; j++) d += Math.exp(pb[j]) * (pb[j] - pa[j]);
                kl += d;
                klCount++;
                if (i + 1 >= p.length) { lpBefore += pb[text[i + 1]]; lpAfter += pa[text[i + 1]]; lpCount++; }
            }
            if (c.length > 0) {
                int[] mine = continuation(merged, p, n);
                int same = 0;
                while (same < Math.min(mine.length, c.length) && mine[same] == c[same]) same++;
                kept += (double) same / c.length;
                keptCount++;
            }
        }
        CircuitBreaker.Shift s = cb.shift(texts);
        return new Result(prompts.size(), s.cosine(), s.distance(), lpBefore / Math.max(1, lpCount), lpAfter / Math.max(1, lpCount),
                kept / Math.max(1, keptCount), kl / Math.max(1, klCount));
    }

    /** The greedy continuation of {@code prompt} by both models, as text. */
    public static Example example(Model original, Model merged, String prompt, int n) {
        int[] p = original.tokenizer().encode(prompt);
        return new Example(prompt, original.tokenizer().decode(continuation(original, p, n)), merged.tokenizer().decode(continuation(merged, p, n)));
    }

    static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static double[] logSoftmax(float[] logits, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) max = Math.max(max, logits[off + j]);
        double s = 0;
        for (int j = 0; j < n; j++) s += Math.exp(logits[off + j] - max);
        double lse = max + Math.log(s);
        double[] out = new double[n];
        for (int j = 0; j < n; j++) out[j] = logits[off + j] - lse;
        return out;
    }
}
