package dev.steer4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece-style BPE tokenizer from a Hugging Face {@code tokenizer.json}: the text is normalized (for example
 * {@code ▁} prepended and spaces replaced by {@code ▁}, or the same done by a {@code Metaspace} pre-tokenizer), added
 * tokens are split out, and each remaining stretch is one word (or, with {@code Metaspace(split = true)}, one word per
 * {@code ▁}) that is merged by merge rank, as the {@code tokenizers} library's BPE model does, with {@code <0xNN>}
 * byte fallback and fused unknown tokens. Decoding turns {@code ▁} back into spaces and strips the one leading space.
 */
public final class HuggingFaceBpeTokenizer extends BaseTokenizer {
    private static final char SPACE_MARK = '\u2581';

    /** The {@code Metaspace} pre-tokenizer: prepend scheme "always", "first" or "never", and whether it splits. */
    record Metaspace(char replacement, String prependScheme, boolean split) {}

    private final java.util.function.UnaryOperator<String> normalizer;
    private final Metaspace metaspace;
    private final boolean byteFallback;
    private final boolean fuseUnk;
    private final boolean ignoreMerges;
    /** (first id << 32 | second id) -> rank << 32 | merged id. */
    private final Map<Long, Long> merges;
    private final int[] byteTokens = new int[256];

    HuggingFaceBpeTokenizer(Vocab vocab, List<String[]> mergePairs, java.util.function.UnaryOperator<String> normalizer,
                            Metaspace metaspace, boolean byteFallback, boolean fuseUnk, boolean ignoreMerges) {
        super(vocab);
        this.normalizer = normalizer;
        this.metaspace = metaspace;
        this.byteFallback = byteFallback;
        this.fuseUnk = fuseUnk;
        this.ignoreMerges = ignoreMerges;
        this.merges = new HashMap<>(mergePairs.size() * 2);
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String[] m = mergePairs.get(rank);
            int a = vocab.id(m[0]), b = vocab.id(m[1]), ab = vocab.id(m[0] + m[1]);
            if (a < 0 || b < 0) throw new TokenizerException("tokenizer.json merge #" + rank + " '" + m[0] + " " + m[1] + "' uses a token that is not in model.vocab");
            if (ab < 0) throw new TokenizerException("tokenizer.json merge #" + rank + " '" + m[0] + " " + m[1] + "' makes '" + m[0] + m[1] + "', which is not in model.vocab");
            merges.putIfAbsent(((long) a << 32) | (b & 0xFFFFFFFFL), ((long) rank << 32) | ab);
        }
        for (int b = 0; b < 256; b++) byteTokens[b] = vocab.id(String.format("<0x%02X>", b));
    }

    @Override
    byte[] normalPiece(int id, int attr) {
        String t = vocab.text[id];
        if ((attr & Vocab.ATTR_BYTE) != 0) return new byte[]{(byte) Integer.parseInt(t.substring(3, 5), 16)};
        if ((attr & Vocab.ATTR_NORMAL) != 0) return t.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
        return null;
    }

    private String normalize(String text) {
        if (text.isEmpty()) return text;
        String s = normalizer.apply(text);
        if (metaspace != null) {
            s = s.replace(' ', metaspace.replacement());
            if (!metaspace.prependScheme().equals("never") && !s.isEmpty() && s.charAt(0) != metaspace.replacement())
                s = metaspace.replacement() + s;
        }
        return s;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos, boolean parseSpecial) {
        // The tokenizers library normalizes the whole input first and then finds added tokens in the normalized text.
        return super.encode(normalize(text), addBos, addEos, parseSpecial);
    }

    @Override
    void encodeText(String text, boolean previousWasSpecial, IntList out) {
        if (metaspace == null) {
            encodeWord(text, out);
            return;
        }
        char mark = metaspace.replacement();
        if (metaspace.prependScheme().equals("always") && !text.isEmpty() && text.charAt(0) != mark) text = mark + text;
        if (!metaspace.split()) {
            encodeWord(text, out);
            return;
        }
        int start = 0;
        for (int i = 1; i <= text.length(); i++) {
            if (i == text.length() || text.charAt(i) == mark) {
                if (i > start) encodeWord(text.substring(start, i), out);
                start = i;
            }
        }
    }

    private void encodeWord(String word, IntList out) {
        if (ignoreMerges) {
            int id = vocab.id(word);
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        // initial symbols: one per character, byte fallback or (fused) unknown for characters not in the vocabulary
        IntList ids = new IntList(word.length());
        boolean prevUnk = false;
        for (int i = 0; i < word.length(); ) {
            int n = Character.charCount(word.codePointAt(i));
            String ch = word.substring(i, i + n);
            i += n;
            int id = vocab.id(ch);
            if (id >= 0) {
                ids.add(id);
                prevUnk = false;
                continue;
            }
            if (byteFallback) {
                byte[] bytes = ch.getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) all &= byteTokens[b & 0xFF] >= 0;
                if (all) {
                    for (byte b : bytes) ids.add(byteTokens[b & 0xFF]);
                    prevUnk = false;
                    continue;
                }
            }
            if (vocab.unk < 0) throw new TokenizerException("cannot encode '" + ch + "': not in the vocabulary and the tokenizer has no unk_token");
            if (!(fuseUnk && prevUnk)) ids.add(vocab.unk);
            prevUnk = true;
        }
        int n = ids.size();
        int[] sym = ids.toArray();
        int[] prev = new int[n], next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 == n ? -1 : i + 1;
        }
        // queue entries: rank << 32 | position, smallest first
        java.util.PriorityQueue<long[]> queue = new java.util.PriorityQueue<>(Math.max(1, n),
                (x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0]) : Long.compare(x[1], y[1]));
        for (int i = 0; i + 1 < n; i++) push(queue, sym, i, i + 1);
        boolean[] gone = new boolean[n];
        while (!queue.isEmpty()) {
            long[] top = queue.poll();
            int pos = (int) top[1];
            int target = (int) top[2];
            if (gone[pos] || next[pos] < 0) continue;
            int right = next[pos];
            Long m = merges.get(((long) sym[pos] << 32) | (sym[right] & 0xFFFFFFFFL));
            if (m == null || (int) (long) m != target) continue; // outdated
            sym[pos] = target;
            gone[right] = true;
            next[pos] = next[right];
            if (next[right] >= 0) prev[next[right]] = pos;
            if (prev[pos] >= 0) push(queue, sym, prev[pos], pos);
            if (next[pos] >= 0) push(queue, sym, pos, next[pos]);
        }
        for (int i = 0; i != -1 && n > 0; i = next[i]) out.add(sym[i]);
    }

    private void push(java.util.PriorityQueue<long[]> queue, int[] sym, int left, int right) {
        Long m = merges.get(((long) sym[left] << 32) | (sym[right] & 0xFFFFFFFFL));
        if (m != null) queue.add(new long[]{m >>> 32, left, (int) (long) m});
    }

    /** The merges, as pairs, in rank order (for inspection and tests). */
    List<String[]> mergeList() {
        List<long[]> all = new ArrayList<>();
        for (var e : merges.entrySet()) all.add(new long[]{e.getValue() >>> 32, e.getKey()});
        all.sort((a, b) -> Long.compare(a[0], b[0]));
        List<String[]> out = new ArrayList<>(all.size());
        for (long[] a : all) out.add(new String[]{vocab.text[(int) (a[1] >>> 32)], vocab.text[(int) a[1]]});
        return out;
    }

    @Override
    public String toString() {
        return "HuggingFaceBpeTokenizer[" + vocab.size() + " tokens, " + merges.size() + " merges, byteFallback=" + byteFallback + ", metaspace=" + metaspace + "]";
    }
}
