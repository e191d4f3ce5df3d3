package dev.steer4j.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits text into words before byte-level BPE, with the regular expressions llama.cpp uses for each
 * {@code tokenizer.ggml.pre} value.
 * <p>As in llama.cpp's {@code unicode_regex_split}, the expressions run one after another: each splits every piece
 * left by the previous one into its matches and the unmatched stretches between them, which stay pieces of their own.
 * The expressions are written for {@link java.util.regex}: {@code \s} is replaced by the Unicode White_Space set
 * llama.cpp uses (Java's {@code \s} is ASCII-only), {@code \p{L}}, {@code \p{N}}, {@code \p{P}} are Java's Unicode
 * categories, and each piece is matched on its own (lookahead stops at the piece's end).
 */
public final class PreTokenizer {
    /** White_Space code points (llama.cpp's whitespace flag), as character-class content. */
    static final String WS = "\\t\\n\\x0B\\f\\r\\x20\\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000";
    private static final String S = "[" + WS + "]";
    private static final String NOT_S = "[^" + WS + "]";

    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^" + WS + "\\p{L}\\p{N}]+|" + S + "+(?!" + NOT_S + ")";
    /**
     * Llama 3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}
     * (the case-insensitive group spelled out, as llama.cpp does).
     */
    static final String LLAMA3 = llama3Like("\\p{N}{1,3}");
    /** Qwen2: as Llama 3 but digits one at a time ({@code \p{N}}). */
    static final String QWEN2 = llama3Like("\\p{N}");

    private static String llama3Like(String numbers) {
        return "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|" + numbers
                + "| ?[^" + WS + "\\p{L}\\p{N}]+[\\r\\n]*|" + S + "*[\\r\\n]+|" + S + "+(?!" + NOT_S + ")|" + S + "+";
    }

    /** The pre-tokenizer types, with the {@code tokenizer.ggml.pre} names that select them. */
    public enum Type {
        DEFAULT("default"),
        LLAMA3("llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "chatglm-bpe"),
        QWEN2("qwen2", "stablelm2", "megrez"),
        GPT2("gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais"),
        STARCODER("starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b"),
        FALCON("falcon"),
        DEEPSEEK_CODER("deepseek-coder"),
        /** The expressions of a {@code tokenizer.json} pre-tokenizer ({@code Split}, {@code ByteLevel}, {@code Digits}). */
        TOKENIZER_JSON(),
        BLOOM("bloom", "poro-chat", "gpt3-finnish"),
        VIKING("viking");

        final List<String> names;

        Type(String... names) {
            this.names = List.of(names);
        }

        /** The type for a {@code tokenizer.ggml.pre} value; null or empty means DEFAULT, as in llama.cpp. */
        public static Type forName(String pre) {
            if (pre == null || pre.isEmpty()) return DEFAULT;
            for (Type t : values()) if (t.names.contains(pre)) return t;
            throw new TokenizerException("unsupported pre-tokenizer '" + pre + "' in GGUF key 'tokenizer.ggml.pre' (supported: " + supportedNames() + ")");
        }

        static String supportedNames() {
            List<String> all = new ArrayList<>();
            for (Type t : values()) all.addAll(t.names);
            return String.join(", ", all);
        }
    }

    private final Type type;
    private final Pattern[] patterns;

    private PreTokenizer(Type type, Pattern[] patterns) {
        this.type = type;
        this.patterns = patterns.clone();
    }

    /** Expressions applied one after another, each splitting the pieces the previous one left (as for llama.cpp's). */
    static PreTokenizer ofPatterns(java.util.List<Pattern> patterns) {
        return new PreTokenizer(Type.TOKENIZER_JSON, patterns.toArray(new Pattern[0]));
    }

    private PreTokenizer(Type type, String... regexes) {
        this.type = type;
        this.patterns = new Pattern[regexes.length];
        for (int i = 0; i < regexes.length; i++) patterns[i] = Pattern.compile(regexes[i]);
    }

    public static PreTokenizer of(Type type) {
        return switch (type) {
            case LLAMA3 -> new PreTokenizer(type, LLAMA3);
            case QWEN2 -> new PreTokenizer(type, QWEN2);
            case GPT2 -> new PreTokenizer(type, GPT2);
            case STARCODER -> new PreTokenizer(type, "\\p{N}", GPT2);
            case FALCON -> new PreTokenizer(type, "[\\p{P}\\$\\+<=>\\^~\\|`]+", GPT2, "[0-9][0-9][0-9]");
            case DEEPSEEK_CODER -> new PreTokenizer(type, "[\\r\\n]", S + "?\\p{L}+", S + "?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}");
            case BLOOM -> new PreTokenizer(type, " ?[^(" + WS + "|.,!?…。，、।۔،)]+");
            case VIKING -> new PreTokenizer(type, " ?[^(" + WS + "|.,!?…。，、।۔،)]+", "\\p{N}");
            case TOKENIZER_JSON -> throw new IllegalArgumentException("a tokenizer.json pre-tokenizer is built from its expressions");
            case DEFAULT -> new PreTokenizer(type, "[\\p{P}\\$\\+<=>\\^~\\|]+", GPT2, "\\p{N}+", "[0-9][0-9][0-9]");
        };
    }

    /** The pre-tokenizer for a {@code tokenizer.ggml.pre} value. */
    public static PreTokenizer forName(String pre) {
        return of(Type.forName(pre));
    }

    public Type type() {
        return type;
    }

    /** Splits text into words (before byte-level encoding). */
    public List<String> split(String text) {
        List<int[]> pieces = new ArrayList<>();
        if (text.isEmpty()) return List.of();
        pieces.add(new int[]{0, text.length()});
        for (Pattern p : patterns) {
            List<int[]> next = new ArrayList<>(pieces.size() * 2);
            Matcher m = p.matcher(text);
            for (int[] piece : pieces) {
                int start = piece[0], end = piece[1];
                m.region(start, end);
                int pos = start;
                while (m.find()) {
                    if (m.start() > pos) next.add(new int[]{pos, m.start()});
                    if (m.end() > m.start()) next.add(new int[]{m.start(), m.end()});
                    pos = m.end();
                }
                if (pos < end) next.add(new int[]{pos, end});
            }
            pieces = next;
        }
        List<String> words = new ArrayList<>(pieces.size());
        for (int[] piece : pieces) words.add(text.substring(piece[0], piece[1]));
        return words;
    }

    @Override
    public String toString() {
        return "PreTokenizer[" + type.name().toLowerCase(Locale.ROOT) + "]";
    }
}
