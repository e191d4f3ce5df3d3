package dev.steer4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * llama.cpp's SentencePiece tokenizer ({@code tokenizer.ggml.model = "llama"}, {@code llm_tokenizer_spm}).
 * <p>Each text fragment gets a leading space when it starts the text or follows a special token (if
 * {@code add_space_prefix}), spaces become {@code ▁}, and the text is split into characters that are merged
 * greedily: the adjacent pair whose concatenation is the vocabulary token with the highest score merges first (the
 * leftmost on ties). Pieces that are not in the vocabulary fall back to {@code <0xNN>} byte tokens.
 */
public final class SentencePieceTokenizer extends BaseTokenizer {
    private static final char SPACE_MARK = '\u2581';

    /** Token ids of the 256 byte-fallback tokens ({@code <0xNN>}, or the one-byte text), -1 where missing. */
    private final int[] byteTokens = new int[256];

    SentencePieceTokenizer(Vocab vocab) {
        super(vocab);
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id < 0 && b < 0x80) id = vocab.id(String.valueOf((char) b));
            byteTokens[b] = id;
        }
    }

    @Override
    byte[] normalPiece(int id, int attr) {
        String t = vocab.text[id];
        if ((attr & Vocab.ATTR_NORMAL) != 0) return t.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
        if ((attr & Vocab.ATTR_BYTE) != 0) {
            // "<0xNN>"
            if (t.length() >= 5) {
                try {
                    return new byte[]{(byte) Integer.parseInt(t.substring(3, 5), 16)};
                } catch (NumberFormatException ignored) {
                    // fall through
                }
            }
            throw new TokenizerException("byte token " + id + " has text '" + t + "', expected <0xNN> (tokenizer.ggml.token_type says BYTE)");
        }
        return null; // unused / undefined tokens render as nothing
    }

    @Override
    void encodeText(String fragment, boolean previousWasSpecial, IntList out) {
        String text = vocab.addSpacePrefix && previousWasSpecial ? " " + fragment : fragment;
        new Session(text.replace(' ', SPACE_MARK)).tokenize(out);
    }

    /** One run of the bigram-merge algorithm over a text. Symbols are code points linked in a list. */
    private final class Session {
        private final String text;
        private final int[] start, len, prev, next;
        private final int n;
        private final Heap heap;

        Session(String text) {
            this.text = text;
            int cps = text.codePointCount(0, text.length());
            start = new int[cps];
            len = new int[cps];
            prev = new int[cps];
            next = new int[cps];
            int i = 0;
            for (int off = 0; off < text.length(); i++) {
                int c = Character.charCount(text.codePointAt(off));
                start[i] = off;
                len[i] = c;
                prev[i] = i - 1;
                next[i] = off + c == text.length() ? -1 : i + 1;
                off += c;
            }
            n = cps;
            heap = new Heap(Math.max(16, n));
        }

        void tokenize(IntList out) {
            if (n == 0) return;
            for (int i = 1; i < n; i++) tryAddBigram(i - 1, i);
            while (!heap.isEmpty()) {
                int left = heap.topLeft(), right = heap.topRight(), size = heap.topSize();
                heap.pop();
                // skip bigrams whose symbols have changed since they were queued
                if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != size) continue;
                len[left] += len[right];
                len[right] = 0;
                next[left] = next[right];
                if (next[right] >= 0) prev[next[right]] = left;
                tryAddBigram(prev[left], left);
                tryAddBigram(left, next[left]);
            }
            for (int i = 0; i != -1; i = next[i]) resegment(i, out);
        }

        private void tryAddBigram(int left, int right) {
            if (left == -1 || right == -1) return;
            int size = len[left] + len[right];
            int id = vocab.id(text.substring(start[left], start[left] + size));
            if (id < 0) return;
            heap.push(vocab.score[id], left, right, size);
        }

        /*
         * llama.cpp also keeps a reverse map from merged texts to the pair that formed them and re-splits a symbol
         * that is not in the vocabulary through it. Every merged symbol is a vocabulary token, and an unmerged
         * symbol is a single code point that no pair can form, so that path never runs; it is omitted here.
         */
        private void resegment(int sym, IntList out) {
            String s = text.substring(start[sym], start[sym] + len[sym]);
            int id = vocab.id(s);
            if (id >= 0) {
                out.add(id);
                return;
            }
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                int t = byteTokens[b & 0xFF];
                if (t < 0) {
                    if (vocab.unk < 0) throw new TokenizerException(String.format(
                            "cannot encode byte 0x%02X of \"%s\": the vocabulary has no <0x%02X> token and no unknown token", b & 0xFF, s, b & 0xFF));
                    t = vocab.unk;
                }
                out.add(t);
            }
        }
    }

    /**
     * Max-heap of bigrams ordered by score, then by lower left index: the order of llama.cpp's
     * {@code llm_bigram_spm::comparator} in a {@code std::priority_queue}. Parallel primitive arrays, no boxing.
     */
    private static final class Heap {
        private float[] score;
        private int[] left, right, size;
        private int n;

        Heap(int capacity) {
            score = new float[capacity];
            left = new int[capacity];
            right = new int[capacity];
            size = new int[capacity];
        }

        boolean isEmpty() { return n == 0; }
        int topLeft() { return left[0]; }
        int topRight() { return right[0]; }
        int topSize() { return size[0]; }

        /** Whether entry i should come out before entry j. */
        private boolean before(int i, int j) {
            return score[i] > score[j] || (score[i] == score[j] && left[i] < left[j]);
        }

        void push(float s, int l, int r, int sz) {
            if (n == score.length) {
                int c = n * 2;
                score = Arrays.copyOf(score, c);
                left = Arrays.copyOf(left, c);
                right = Arrays.copyOf(right, c);
                size = Arrays.copyOf(size, c);
            }
            score[n] = s; left[n] = l; right[n] = r; size[n] = sz;
            int i = n++;
            while (i > 0) {
                int p = (i - 1) >>> 1;
                if (!before(i, p)) break;
                swap(i, p);
                i = p;
            }
        }

        void pop() {
            n--;
            if (n == 0) return;
            move(n, 0);
            int i = 0;
            while (true) {
                int l = 2 * i + 1, r = l + 1, best = i;
                if (l < n && before(l, best)) best = l;
                if (r < n && before(r, best)) best = r;
                if (best == i) return;
                swap(i, best);
                i = best;
            }
        }

        private void move(int from, int to) {
            score[to] = score[from]; left[to] = left[from]; right[to] = right[from]; size[to] = size[from];
        }

        private void swap(int i, int j) {
            float s = score[i]; score[i] = score[j]; score[j] = s;
            int t = left[i]; left[i] = left[j]; left[j] = t;
            t = right[i]; right[i] = right[j]; right[j] = t;
            t = size[i]; size[i] = size[j]; size[j] = t;
        }
    }
}
