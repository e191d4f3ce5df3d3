package dev.steer4j.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * llama.cpp's byte-level BPE tokenizer ({@code tokenizer.ggml.model = "gpt2"}, {@code llm_tokenizer_bpe}), used by
 * GPT-2, Llama 3, Qwen2, SmolLM and others.
 * <p>Each text fragment is split into words by the model's {@link PreTokenizer}; each word's UTF-8 bytes become
 * GPT-2 byte-level characters, and adjacent symbols are merged by {@code tokenizer.ggml.merges}, the lowest-ranked
 * (earliest) merge first and the leftmost on ties. With {@code ignore_merges} (Llama 3) a word that is itself a token
 * is emitted whole.
 */
public final class BpeTokenizer extends BaseTokenizer {
    private final PreTokenizer preTokenizer;
    /** Merge rank by pair: outer key is the first part, inner the second. */
    private final Map<String, Map<String, Integer>> ranks;
    private final int mergeCount;
    /** A tokenizer.json normalizer applied to each text fragment, or null. */
    private final java.util.function.UnaryOperator<String> normalizer;
    /** tokenizer.json {@code ByteLevel(add_prefix_space = true)}: a space before each fragment that lacks one. */
    private final boolean addPrefixSpace;

    BpeTokenizer(Vocab vocab, String[] merges, PreTokenizer preTokenizer) {
        this(vocab, merges, preTokenizer, null, false);
    }

    BpeTokenizer(Vocab vocab, String[] merges, PreTokenizer preTokenizer, java.util.function.UnaryOperator<String> normalizer,
                 boolean addPrefixSpace) {
        super(vocab);
        this.normalizer = normalizer;
        this.addPrefixSpace = addPrefixSpace;
        this.preTokenizer = preTokenizer;
        this.ranks = new HashMap<>(merges.length);
        for (int i = 0; i < merges.length; i++) {
            String m = merges[i];
            int sp = m.indexOf(' ', 1);
            String first = sp < 0 ? "" : m.substring(0, sp);
            String second = sp < 0 ? "" : m.substring(sp + 1);
            // first occurrence wins, as std::unordered_map::emplace does
            ranks.computeIfAbsent(first, k -> new HashMap<>(4)).putIfAbsent(second, i);
        }
        this.mergeCount = merges.length;
    }

    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    public int mergeCount() {
        return mergeCount;
    }

    int rank(String first, String second) {
        Map<String, Integer> m = ranks.get(first);
        if (m == null) return -1;
        Integer r = m.get(second);
        return r == null ? -1 : r;
    }

    @Override
    byte[] normalPiece(int id, int attr) {
        if ((attr & Vocab.ATTR_NORMAL) != 0) return ByteLevel.decode(vocab.text[id]);
        return null; // byte, unused and undefined tokens render as nothing in llama.cpp's BPE
    }

    @Override
    void encodeText(String text, boolean previousWasSpecial, IntList out) {
        if (normalizer != null) text = normalizer.apply(text);
        if (addPrefixSpace && !text.isEmpty() && text.charAt(0) != ' ') text = " " + text;
        Session s = null;
        for (String word : preTokenizer.split(text)) {
            String w = ByteLevel.encode(word);
            if (vocab.ignoreMerges) {
                int id = vocab.id(w);
                if (id >= 0) {
                    out.add(id);
                    continue;
                }
            }
            if (s == null) s = new Session();
            s.tokenize(w, out);
        }
    }

    /** Merges within one word at a time; arrays are reused across words. */
    private final class Session {
        private int[] start = new int[64], len = new int[64], prev = new int[64], next = new int[64];
        private final Heap heap = new Heap(64);
        private String word;

        void tokenize(String w, IntList out) {
            word = w;
            int n = w.length(); // byte-level characters are all in the BMP: one char each
            if (start.length < n) {
                int c = Math.max(n, start.length * 2);
                start = new int[c];
                len = new int[c];
                prev = new int[c];
                next = new int[c];
            }
            for (int i = 0; i < n; i++) {
                start[i] = i;
                len[i] = 1;
                prev[i] = i - 1;
                next[i] = i + 1 == n ? -1 : i + 1;
            }
            heap.clear();
            for (int i = 1; i < n; i++) addBigram(i - 1, i);
            while (!heap.isEmpty()) {
                int left = heap.topLeft(), right = heap.topRight(), size = heap.topSize();
                heap.pop();
                if (len[left] == 0 || len[right] == 0 || len[left] + len[right] != size) continue; // outdated
                len[left] += len[right];
                len[right] = 0;
                next[left] = next[right];
                if (next[right] >= 0) prev[next[right]] = left;
                addBigram(prev[left], left);
                addBigram(left, next[left]);
            }
            for (int i = 0; i != -1 && n > 0; i = next[i]) {
                String sym = w.substring(start[i], start[i] + len[i]);
                int id = vocab.id(sym);
                if (id >= 0) {
                    out.add(id);
                } else {
                    // llama.cpp looks each byte of the symbol up as a one-byte token and drops the ones it cannot find
                    for (int k = 0; k < sym.length(); k++) {
                        char c = sym.charAt(k);
                        if (c < 0x80) {
                            int b = vocab.id(String.valueOf(c));
                            if (b >= 0) out.add(b);
                        }
                    }
                }
            }
        }

        private void addBigram(int left, int right) {
            if (left == -1 || right == -1) return;
            int r = rank(word.substring(start[left], start[left] + len[left]), word.substring(start[right], start[right] + len[right]));
            if (r < 0) return;
            heap.push(r, left, right, len[left] + len[right]);
        }
    }

    /** Min-heap by rank, then by lower left index (llama.cpp's {@code llm_bigram_bpe::comparator}). */
    private static final class Heap {
        private int[] rank, left, right, size;
        private int n;

        Heap(int capacity) {
            rank = new int[capacity];
            left = new int[capacity];
            right = new int[capacity];
            size = new int[capacity];
        }

        void clear() { n = 0; }
        boolean isEmpty() { return n == 0; }
        int topLeft() { return left[0]; }
        int topRight() { return right[0]; }
        int topSize() { return size[0]; }

        private boolean before(int i, int j) {
            return rank[i] < rank[j] || (rank[i] == rank[j] && left[i] < left[j]);
        }

        void push(int rk, int l, int r, int sz) {
            if (n == rank.length) {
                int c = n * 2;
                rank = Arrays.copyOf(rank, c);
                left = Arrays.copyOf(left, c);
                right = Arrays.copyOf(right, c);
                size = Arrays.copyOf(size, c);
            }
            rank[n] = rk; left[n] = l; right[n] = r; size[n] = sz;
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
            rank[0] = rank[n]; left[0] = left[n]; right[0] = right[n]; size[0] = size[n];
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

        private void swap(int i, int j) {
            int t = rank[i]; rank[i] = rank[j]; rank[j] = t;
            t = left[i]; left[i] = left[j]; left[j] = t;
            t = right[i]; right[i] = right[j]; right[j] = t;
            t = size[i]; size[i] = size[j]; size[j] = t;
        }
    }
}
