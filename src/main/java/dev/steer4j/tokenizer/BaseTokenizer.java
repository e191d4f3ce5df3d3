package dev.steer4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * What the GGUF tokenizers share: splitting out special tokens (llama.cpp's {@code tokenizer_st_partition}), BOS/EOS,
 * the token-to-piece cache and detokenization.
 */
abstract sealed class BaseTokenizer implements Tokenizer permits SentencePieceTokenizer, BpeTokenizer, HuggingFaceBpeTokenizer {
    private static final byte[] EMPTY = new byte[0];

    final Vocab vocab;
    /** token_to_piece(id, special = true) for every token. */
    private final byte[][] pieces;

    BaseTokenizer(Vocab vocab) {
        this.vocab = vocab;
        this.pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            int a = vocab.attr[id];
            byte[] p;
            if ((a & (Vocab.ATTR_UNKNOWN | Vocab.ATTR_CONTROL | Vocab.ATTR_USER_DEFINED)) != 0) p = vocab.text[id].getBytes(StandardCharsets.UTF_8);
            else p = normalPiece(id, a);
            pieces[id] = p == null || p.length == 0 ? EMPTY : p;
        }
    }

    /** The bytes of a token that is neither control, unknown nor user-defined (null or empty for none). */
    abstract byte[] normalPiece(int id, int attr);

    /** Tokenizes one fragment of raw text (no special tokens in it) and appends the ids. */
    abstract void encodeText(String text, boolean previousWasSpecial, IntList out);

    /** A fragment of the input: either a special token id or a range of the raw text. */
    record Fragment(int token, int start, int end) {
        boolean isToken() { return token >= 0; }
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean addEos, boolean parseSpecial) {
        if (text == null) throw new NullPointerException("text");
        IntList out = new IntList(text.length() / 3 + 4);
        if (addBos) {
            if (vocab.bos == Vocab.NULL) throw new TokenizerException("cannot add BOS: the model has no BOS token (tokenizer.ggml.bos_token_id)");
            out.add(vocab.bos);
        }
        boolean prevSpecial = true; // a space prefix goes on the first text fragment
        for (Fragment f : partition(text, parseSpecial)) {
            if (f.isToken()) {
                out.add(f.token());
                prevSpecial = true;
            } else {
                encodeText(text.substring(f.start(), f.end()), prevSpecial, out);
                prevSpecial = false;
            }
        }
        if (addEos) {
            if (vocab.eos == Vocab.NULL) throw new TokenizerException("cannot add EOS: the model has no EOS token (tokenizer.ggml.eos_token_id)");
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    /**
     * Splits special-token texts out of {@code text}, longest special token first, as llama.cpp does. Control and
     * unknown tokens are only recognised with {@code parseSpecial}; user-defined tokens always are.
     */
    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) return frags;
        frags.add(new Fragment(-1, 0, text.length()));
        if (!parseSpecial && !vocab.hasUserDefined) return frags;
        for (int id : vocab.specialTokens) {
            int a = vocab.attr[id];
            if (!parseSpecial && (a & (Vocab.ATTR_CONTROL | Vocab.ATTR_UNKNOWN)) != 0) continue;
            String tok = vocab.text[id];
            List<Fragment> next = null;
            for (int fi = 0; fi < frags.size(); fi++) {
                Fragment f = frags.get(fi);
                int at = f.isToken() ? -1 : text.indexOf(tok, f.start(), f.end());
                if (at < 0 || at + tok.length() > f.end()) {
                    if (next != null) next.add(f);
                    continue;
                }
                if (next == null) next = new ArrayList<>(frags.subList(0, fi));
                int start = f.start(), end = f.end();
                while (at >= 0 && at + tok.length() <= end) {
                    int leftEnd = at;
                    if ((a & Vocab.ATTR_LSTRIP) != 0) while (leftEnd > start && isCSpace(text.charAt(leftEnd - 1))) leftEnd--;
                    if (leftEnd > start) next.add(new Fragment(-1, start, leftEnd));
                    next.add(new Fragment(id, 0, 0));
                    start = at + tok.length();
                    if ((a & Vocab.ATTR_RSTRIP) != 0) while (start < end && isCSpace(text.charAt(start))) start++;
                    if (start >= end) break;
                    at = text.indexOf(tok, start, end);
                }
                if (start < end) next.add(new Fragment(-1, start, end));
            }
            if (next != null) frags = next;
        }
        return frags;
    }

    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    // ---- decoding ----

    @Override
    public byte[] tokenBytes(int id, boolean special) {
        checkId(id);
        if (!special && (vocab.attr[id] & (Vocab.ATTR_UNKNOWN | Vocab.ATTR_CONTROL)) != 0) return EMPTY;
        byte[] p = pieces[id];
        return p.length == 0 ? EMPTY : p.clone();
    }

    /** As tokenBytes but without the defensive copy. */
    private byte[] rawPiece(int id, boolean special) {
        checkId(id);
        if (!special && (vocab.attr[id] & (Vocab.ATTR_UNKNOWN | Vocab.ATTR_CONTROL)) != 0) return EMPTY;
        return pieces[id];
    }

    @Override
    public String decode(int[] tokens) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokens.length * 4);
        boolean removeSpace = vocab.addSpacePrefix;
        for (int t : tokens) {
            byte[] p = rawPiece(t, false);
            if (p.length == 0) continue;
            int off = removeSpace && p[0] == ' ' ? 1 : 0;
            removeSpace = false;
            out.write(p, off, p.length - off);
        }
        return finishDecode(out);
    }

    @Override
    public String decode(int[] tokens, boolean removeSpecial, boolean unparseSpecial) {
        int from = 0, to = tokens.length;
        boolean removeSpace = vocab.addSpacePrefix;
        if (removeSpecial && vocab.addBos && to > from && tokens[from] == vocab.bos) {
            removeSpace = false;
            from++;
        }
        if (removeSpecial && vocab.addEos && to > from && tokens[to - 1] == vocab.eos) to--;
        ByteArrayOutputStream out = new ByteArrayOutputStream(tokens.length * 4);
        for (int i = from; i < to; i++) {
            byte[] p = rawPiece(tokens[i], unparseSpecial);
            int off = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
            removeSpace = false;
            out.write(p, off, p.length - off);
        }
        return finishDecode(out);
    }

    private String finishDecode(ByteArrayOutputStream out) {
        byte[] b = out.toByteArray();
        int n = vocab.cleanSpaces ? cleanSpaces(b) : b.length;
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }

    /** llama.cpp's clean_up_tokenization_spaces passes, in place; returns the new length. */
    static int cleanSpaces(byte[] text) {
        // first pass: " ?", " !", " .", " ," lose the space
        int total1 = text.length;
        int total = total1 > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
            text[total++] = x;
        }
        // second pass: " ' " becomes "'"
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0;
            }
            text[total++] = x;
        }
        // third pass: " 's", " 'm", " 're", " 've" lose the space
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') total--;
                else if (i + 2 < total3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
                }
            }
            text[total++] = x;
        }
        return total;
    }

    // ---- metadata ----

    void checkId(int id) {
        if (id < 0 || id >= vocab.size()) throw new IndexOutOfBoundsException("token id " + id + " out of range [0, " + vocab.size() + ")");
    }

    @Override public int vocabSize() { return vocab.size(); }
    @Override public String piece(int id) { checkId(id); return vocab.text[id]; }
    @Override public int bos() { return vocab.bos; }
    @Override public int eos() { return vocab.eos; }
    @Override public boolean addBosByDefault() { return vocab.addBos; }
    @Override public boolean addEosByDefault() { return vocab.addEos; }
    @Override public boolean isEndOfGeneration(int id) { return id >= 0 && vocab.eog.get(id); }
    @Override public boolean isControl(int id) { return vocab.valid(id) && (vocab.attr[id] & Vocab.ATTR_CONTROL) != 0; }
    @Override public int tokenId(String piece) { return vocab.id(piece); }
    @Override public String chatTemplate() { return vocab.chatTemplate; }

    /** The unknown-token id, or -1. */
    public int unk() { return vocab.unk; }

    /** Whether a space is put before the first text fragment (SentencePiece {@code add_space_prefix}). */
    public boolean addSpacePrefix() { return vocab.addSpacePrefix; }
}
