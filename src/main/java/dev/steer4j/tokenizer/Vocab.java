package dev.steer4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Vocabulary data shared by the tokenizers: token texts, scores, attributes, special ids and flags. Mirrors the state
 * llama.cpp's {@code llama_vocab} builds in {@code load()}. Filled by a loader, then frozen with {@link #finish}.
 */
final class Vocab {
    // llama.cpp token attributes (llama_token_attr)
    static final int ATTR_UNDEFINED = 0;
    static final int ATTR_UNKNOWN = 1;
    static final int ATTR_UNUSED = 1 << 1;
    static final int ATTR_NORMAL = 1 << 2;
    static final int ATTR_CONTROL = 1 << 3;
    static final int ATTR_USER_DEFINED = 1 << 4;
    static final int ATTR_BYTE = 1 << 5;
    static final int ATTR_NORMALIZED = 1 << 6;
    static final int ATTR_LSTRIP = 1 << 7;
    static final int ATTR_RSTRIP = 1 << 8;
    static final int ATTR_SINGLE_WORD = 1 << 9;

    // GGUF token types (llama_token_type)
    static final int TYPE_UNDEFINED = 0, TYPE_NORMAL = 1, TYPE_UNKNOWN = 2, TYPE_CONTROL = 3, TYPE_USER_DEFINED = 4,
            TYPE_UNUSED = 5, TYPE_BYTE = 6;

    static final int NULL = -1;

    /** Texts that llama.cpp treats as end-of-turn markers (candidates for EOT). */
    static final List<String> EOT_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
            "<|end_of_text|>", "<EOT>", "_<EOT>", "<｜end▁of▁sentence｜>", "<end_of_utterance>");
    /** Texts that llama.cpp adds to the end-of-generation set. */
    static final List<String> EOG_TEXTS = List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>",
            "<end_of_turn>", "<|endoftext|>", "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>");
    static final List<String> FIM_PAD_TEXTS = List.of("<|fim_pad|>", "<fim-pad>", "<PAD>");
    static final List<String> FIM_REP_TEXTS = List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>");
    static final List<String> FIM_SEP_TEXTS = List.of("<|file_sep|>");

    final String[] text;
    final float[] score;
    final int[] attr;
    final Map<String, Integer> toId;

    int bos = NULL, eos = NULL, eot = NULL, eom = NULL, unk = NULL, sep = NULL, pad = NULL, mask = NULL;
    int fimPad = NULL, fimRep = NULL, fimSep = NULL;
    boolean addBos, addEos, addSpacePrefix, cleanSpaces, ignoreMerges;
    String chatTemplate;
    String modelName = "";

    /** Special tokens (control, user-defined, unknown), longest text first: the order llama.cpp splits them out. */
    int[] specialTokens;
    /** End-of-generation token ids. */
    BitSet eog = new BitSet();
    boolean hasUserDefined;

    Vocab(String[] text, float[] score, int[] attr) {
        this.text = text;
        this.score = score;
        this.attr = attr;
        this.toId = new HashMap<>(text.length * 2);
        for (int i = 0; i < text.length; i++) {
            if (text[i].isEmpty()) text[i] = "[EMPTY_" + i + "]"; // as llama.cpp
            toId.put(text[i], i); // a later duplicate wins, as in llama.cpp
        }
    }

    static int attrFromType(long type) {
        return switch ((int) type) {
            case TYPE_UNKNOWN -> ATTR_UNKNOWN;
            case TYPE_UNUSED -> ATTR_UNUSED;
            case TYPE_NORMAL -> ATTR_NORMAL;
            case TYPE_CONTROL -> ATTR_CONTROL;
            case TYPE_USER_DEFINED -> ATTR_USER_DEFINED;
            case TYPE_BYTE -> ATTR_BYTE;
            default -> ATTR_UNDEFINED;
        };
    }

    int size() {
        return text.length;
    }

    int id(String s) {
        Integer i = toId.get(s);
        return i == null ? NULL : i;
    }

    boolean valid(int id) {
        return id >= 0 && id < text.length;
    }

    private void markControl(int id) {
        attr[id] |= ATTR_CONTROL;
    }

    /** Auto-detects EOT/EOG tokens by text, builds the special-token list. Call once after loading. */
    void finish() {
        // EOT / EOM / FIM by text, when the metadata did not name them (llama.cpp's workaround). llama.cpp takes the
        // first match in hash-map order; the lowest id is used here.
        if (eot == NULL) eot = detect(EOT_TEXTS);
        if (eom == NULL) eom = detect(List.of("<|eom_id|>"));
        if (fimPad == NULL) fimPad = detect(FIM_PAD_TEXTS);
        if (fimRep == NULL) fimRep = detect(FIM_REP_TEXTS);
        if (fimSep == NULL) fimSep = detect(FIM_SEP_TEXTS);
        for (int id : new int[]{fimPad, fimRep, fimSep, eos, eot, eom}) if (id != NULL) eog.set(id);
        for (String t : EOG_TEXTS) {
            Integer id = toId.get(t);
            if (id != null) {
                eog.set(id);
                markControl(id);
            }
        }

        List<Integer> specials = new ArrayList<>();
        for (int id = 0; id < text.length; id++) {
            if ((attr[id] & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) != 0) specials.add(id);
            if ((attr[id] & ATTR_USER_DEFINED) != 0) hasUserDefined = true;
        }
        int[] byteLen = new int[text.length];
        for (int id : specials) byteLen[id] = text[id].getBytes(StandardCharsets.UTF_8).length;
        specials.sort((a, b) -> byteLen[a] != byteLen[b] ? Integer.compare(byteLen[b], byteLen[a]) : Integer.compare(a, b));
        specialTokens = specials.stream().mapToInt(Integer::intValue).toArray();

        // Per-model attributes llama.cpp sets by name (phi-3 strips whitespace after special tokens).
        String name = modelName.toLowerCase(java.util.Locale.ROOT);
        if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : specialTokens) attr[id] |= ATTR_RSTRIP;
            setAttr("</s>", ATTR_RSTRIP, true);
            for (String t : new String[]{"<unk>", "<s>", "<|endoftext|>"}) setAttr(t, ATTR_RSTRIP, false);
        }
    }

    /** The lowest id among the tokens with these texts (now marked as control), or NULL. */
    private int detect(List<String> texts) {
        int best = NULL;
        for (String t : texts) {
            Integer id = toId.get(t);
            if (id != null && (best == NULL || id < best)) best = id;
        }
        if (best != NULL) markControl(best);
        return best;
    }

    void setAttr(String token, int a, boolean on) {
        Integer id = toId.get(token);
        if (id == null) return;
        attr[id] = on ? attr[id] | a : attr[id] & ~a;
    }

    @Override
    public String toString() {
        return "Vocab[" + text.length + " tokens, bos=" + bos + ", eos=" + eos + ", eog=" + eog + ", specials=" + Arrays.toString(Arrays.copyOf(specialTokens, Math.min(8, specialTokens.length))) + "]";
    }
}
