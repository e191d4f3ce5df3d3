package dev.steer4j.cli;

import dev.steer4j.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;

/** Small helpers for showing tokens in tables. */
public final class TopTokens {
    private TopTokens() {}

    /** Indices of the k largest values of x[off..off+n), largest first. */
    public static int[] top(float[] x, int off, int n, int k) {
        k = Math.min(k, n);
        int[] best = new int[k];
        int size = 0;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (size < k) {
                int j = size++;
                while (j > 0 && x[off + best[j - 1]] < v) { best[j] = best[j - 1]; j--; }
                best[j] = i;
            } else if (v > x[off + best[k - 1]]) {
                int j = k - 1;
                while (j > 0 && x[off + best[j - 1]] < v) { best[j] = best[j - 1]; j--; }
                best[j] = i;
            }
        }
        return best;
    }

    /** A token as a quoted, escaped string. */
    public static String show(Tokenizer tok, int id) {
        String s = new String(tok.tokenBytes(id), StandardCharsets.UTF_8);
        if (s.isEmpty()) s = tok.piece(id);
        return "'" + s.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
