package dev.steer4j.tokenizer;

import dev.steer4j.format.gguf.GGUFFile;
import dev.steer4j.format.gguf.GGUFFormatException;

/** Reads {@code tokenizer.ggml.*} metadata the way llama.cpp's {@code llama_vocab::load} does. */
final class GGUFTokenizerLoader {
    static final String KEY_MODEL = "tokenizer.ggml.model";
    static final String KEY_PRE = "tokenizer.ggml.pre";
    static final String KEY_TOKENS = "tokenizer.ggml.tokens";
    static final String KEY_SCORES = "tokenizer.ggml.scores";
    static final String KEY_TYPES = "tokenizer.ggml.token_type";
    static final String KEY_MERGES = "tokenizer.ggml.merges";
    static final String SUPPORTED = "llama (SentencePiece), gpt2 (byte-level BPE)";

    private GGUFTokenizerLoader() {}

    static Tokenizer load(GGUFFile f) {
        try {
            return doLoad(f);
        } catch (GGUFFormatException e) {
            throw new TokenizerException("bad tokenizer metadata: " + e.getMessage(), e);
        }
    }

    private static Tokenizer doLoad(GGUFFile f) {
        String model = f.getString(KEY_MODEL, null);
        if (model == null) throw new TokenizerException("GGUF key '" + KEY_MODEL + "' is missing, so the tokenizer type is unknown (supported: " + SUPPORTED + ")");
        boolean spm = switch (model) {
            case "llama" -> true;
            case "gpt2" -> false;
            default -> throw new TokenizerException("unsupported tokenizer model '" + model + "' in GGUF key '" + KEY_MODEL + "' (supported: " + SUPPORTED + ")");
        };

        String[] tokens = f.getStrings(KEY_TOKENS);
        if (tokens == null) throw new TokenizerException("GGUF key '" + KEY_TOKENS + "' is missing: the file has no tokenizer vocabulary");
        if (tokens.length == 0) throw new TokenizerException("GGUF key '" + KEY_TOKENS + "' is empty: the vocabulary has no tokens");
        int n = tokens.length;
        float[] scores = f.getFloats(KEY_SCORES);
        if (scores != null && scores.length != n)
            throw new TokenizerException("GGUF key '" + KEY_SCORES + "' has " + scores.length + " entries but '" + KEY_TOKENS + "' has " + n);
        long[] types = f.getLongs(KEY_TYPES);
        if (types != null && types.length != n)
            throw new TokenizerException("GGUF key '" + KEY_TYPES + "' has " + types.length + " entries but '" + KEY_TOKENS + "' has " + n);

        int[] attr = new int[n];
        for (int i = 0; i < n; i++) attr[i] = types == null ? Vocab.ATTR_NORMAL : Vocab.attrFromType(types[i]);
        Vocab v = new Vocab(tokens.clone(), scores == null ? new float[n] : scores.clone(), attr);

        String[] merges = null;
        PreTokenizer pre = null;
        if (spm) {
            v.bos = 1;
            v.eos = 2;
            v.unk = 0;
            v.addSpacePrefix = true;
            v.addBos = true;
            v.addEos = false;
            v.cleanSpaces = false;
        } else {
            merges = f.getStrings(KEY_MERGES);
            if (merges == null) throw new TokenizerException("GGUF key '" + KEY_MERGES + "' is missing: a gpt2 (BPE) tokenizer needs its merges");
            v.bos = 11;
            v.eos = 11;
            v.addSpacePrefix = false;
            v.cleanSpaces = true;
            String preName = f.getString(KEY_PRE, null);
            PreTokenizer.Type type = PreTokenizer.Type.forName(preName);
            switch (type) {
                case LLAMA3 -> {
                    v.ignoreMerges = true;
                    v.addBos = true;
                    if ("chatglm-bpe".equals(preName)) { v.ignoreMerges = false; v.addBos = false; v.bos = Vocab.NULL; }
                    if ("dbrx".equals(preName) || "smaug-bpe".equals(preName)) { v.ignoreMerges = false; v.addBos = false; }
                }
                case QWEN2 -> {
                    if ("qwen2".equals(preName)) v.cleanSpaces = false;
                }
                case DEEPSEEK_CODER -> v.cleanSpaces = false;
                case STARCODER -> {
                    if ("command-r".equals(preName) || "smollm".equals(preName)) v.cleanSpaces = false;
                }
                case BLOOM -> {
                    if ("poro-chat".equals(preName)) v.cleanSpaces = false;
                }
                case VIKING -> v.cleanSpaces = false;
                default -> { }
            }
            pre = PreTokenizer.of(type);
        }
        v.addSpacePrefix = f.getBool("tokenizer.ggml.add_space_prefix", v.addSpacePrefix);

        v.bos = specialId(f, "tokenizer.ggml.bos_token_id", v.bos, n);
        v.eos = specialId(f, "tokenizer.ggml.eos_token_id", v.eos, n);
        v.eot = specialId(f, "tokenizer.ggml.eot_token_id", v.eot, n);
        v.eom = specialId(f, "tokenizer.ggml.eom_token_id", v.eom, n);
        v.unk = specialId(f, "tokenizer.ggml.unknown_token_id", v.unk, n);
        v.sep = specialId(f, "tokenizer.ggml.seperator_token_id", v.sep, n);
        v.pad = specialId(f, "tokenizer.ggml.padding_token_id", v.pad, n);
        v.mask = specialId(f, "tokenizer.ggml.mask_token_id", v.mask, n);
        v.fimPad = specialId(f, "tokenizer.ggml.fim_pad_token_id", v.fimPad, n);
        v.fimRep = specialId(f, "tokenizer.ggml.fim_rep_token_id", v.fimRep, n);
        v.fimSep = specialId(f, "tokenizer.ggml.fim_sep_token_id", v.fimSep, n);
        // defaults that do not fit a small vocabulary are dropped rather than pointing past its end
        if (!v.valid(v.bos)) v.bos = Vocab.NULL;
        if (!v.valid(v.eos)) v.eos = Vocab.NULL;
        if (!v.valid(v.unk)) v.unk = Vocab.NULL;

        v.addBos = f.getBool("tokenizer.ggml.add_bos_token", v.addBos);
        v.addEos = f.getBool("tokenizer.ggml.add_eos_token", v.addEos);
        if (v.addBos && v.bos == Vocab.NULL) v.addBos = false;
        if (v.addEos && v.eos == Vocab.NULL) v.addEos = false;
        v.chatTemplate = f.getString("tokenizer.chat_template", null);
        v.modelName = f.getString("general.name", "");
        v.finish();
        return spm ? new SentencePieceTokenizer(v) : new BpeTokenizer(v, merges, pre);
    }

    /** A special-token id from metadata; llama.cpp ignores (with a warning) ids outside the vocabulary. */
    private static int specialId(GGUFFile f, String key, int dflt, int n) {
        if (!f.has(key)) return dflt;
        long id = f.getLong(key, dflt);
        return id >= 0 && id < n ? (int) id : dflt;
    }
}
