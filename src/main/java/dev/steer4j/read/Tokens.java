package dev.steer4j.read;

import dev.steer4j.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;

/** Shows tokens as text for tables and heatmaps. */
public final class Tokens {
    private Tokens() {}

    /** The text a token stands for; control tokens show as their piece (e.g. {@code <s>}). */
    public static String text(Tokenizer tok, int id) {
        String s = new String(tok.tokenBytes(id, true), StandardCharsets.UTF_8);
        return s.isEmpty() ? tok.piece(id) : s;
    }

    /** Indices of the k largest (or smallest) values of x[off..off+n), most extreme first; ties keep the lower index first. */
    public static int[] top(float[] x, int off, int n, int k, boolean largest) {
        k = Math.min(k, n);
        int[] best = new int[k];
        int size = 0;
        float sign = largest ? 1f : -1f;
        for (int i = 0; i < n; i++) {
            float v = sign * x[off + i];
            if (size == k && !(v > sign * x[off + best[k - 1]])) continue;
            int j = size < k ? size++ : k - 1;
            while (j > 0 && sign * x[off + best[j - 1]] < v) {
                best[j] = best[j - 1];
                j--;
            }
            best[j] = i;
        }
        return best;
    }
}
