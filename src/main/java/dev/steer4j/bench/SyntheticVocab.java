package dev.steer4j.bench;

import dev.steer4j.format.gguf.GGUFValue;
import dev.steer4j.format.gguf.GGUFValueType;
import dev.steer4j.format.gguf.GGUFWriter;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A seeded synthetic byte-level BPE vocabulary (GGUF {@code tokenizer.ggml.model = gpt2}) of a real model's size:
 * the 256 GPT-2 byte tokens, then one token per merge of two earlier tokens (letter strings, some with a leading
 * {@code Ġ} space), then the model's special tokens, then padding. Every normal token is a string of byte-level
 * characters, so llama.cpp can decode it, and the bytes of {@code "\n"} ({@code Ċ}) are a token, which llama.cpp
 * requires.
 *
 * @param tokens  {@code tokenizer.ggml.tokens}
 * @param types   {@code tokenizer.ggml.token_type} (1 normal, 3 control, 4 user-defined, 5 unused)
 * @param merges  {@code tokenizer.ggml.merges}, {@code "left right"}
 */
public record SyntheticVocab(String[] tokens, long[] types, String[] merges, String pre, int bos, int eos,
                             Integer padding, boolean addBos, String chatTemplate) {
    static final int NORMAL = 1, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5;

    static final String LLAMA3_TEMPLATE = "{% set loop_messages = messages %}{% for message in loop_messages %}"
            + "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
            + "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}";
    static final String CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
            + "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /** The vocabulary for {@code shape}'s tokenizer family and size. */
    public static SyntheticVocab forShape(ModelShape shape, long seed) {
        return shape.tokenizer().equals("qwen2") ? qwen2(shape.vocab(), seed) : llama3(shape.vocab(), seed);
    }

    /** Llama 3: regular tokens, then 256 control tokens starting with {@code <|begin_of_text|>}. */
    static SyntheticVocab llama3(int vocab, long seed) {
        int specials = 256;
        int regular = vocab - specials;
        List<String> toks = new ArrayList<>(vocab);
        List<Long> types = new ArrayList<>(vocab);
        String[] merges = regularTokens(regular, seed, toks, types);
        List<String> named = List.of("<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>",
                "<|reserved_special_token_1|>", "<|finetune_right_pad_id|>", "<|reserved_special_token_2|>",
                "<|start_header_id|>", "<|end_header_id|>", "<|eom_id|>", "<|eot_id|>", "<|python_tag|>");
        for (int i = 0; i < specials; i++) {
            toks.add(i < named.size() ? named.get(i) : "<|reserved_special_token_" + (i - named.size() + 3) + "|>");
            types.add((long) CONTROL);
        }
        return new SyntheticVocab(toks.toArray(String[]::new), unbox(types), merges, "llama-bpe",
                regular, regular + 1, null, true, LLAMA3_TEMPLATE);
    }

    /** Qwen2: regular tokens, 22 added tokens, then {@code [PADn]} up to the embedding size. */
    static SyntheticVocab qwen2(int vocab, long seed) {
        List<String> added = List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>",
                "<|object_ref_end|>", "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>",
                "<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>",
                "<tool_call>", "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
                "<|repo_name|>", "<|file_sep|>");
        // Qwen2.5 pads its 151 665 tokens to 151 936 embedding rows; keep the same proportion of padding.
        int pad = vocab == 151936 ? 151936 - 151665 : 0;
        int regular = vocab - added.size() - pad;
        List<String> toks = new ArrayList<>(vocab);
        List<Long> types = new ArrayList<>(vocab);
        String[] merges = regularTokens(regular, seed, toks, types);
        for (int i = 0; i < added.size(); i++) {
            toks.add(added.get(i));
            types.add((long) (i < 14 ? CONTROL : USER_DEFINED));
        }
        while (toks.size() < vocab) {
            toks.add("[PAD" + toks.size() + "]");
            types.add((long) UNUSED);
        }
        return new SyntheticVocab(toks.toArray(String[]::new), unbox(types), merges, "qwen2",
                regular, regular, regular, false, CHATML_TEMPLATE);
    }

    /** Writes the {@code tokenizer.*} keys as llama.cpp's converter does (ids as UINT32, types as INT32). */
    public void putInto(GGUFWriter w) {
        w.putString("tokenizer.ggml.model", "gpt2");
        w.putString("tokenizer.ggml.pre", pre);
        w.put("tokenizer.ggml.tokens", GGUFValue.ofStrings(tokens));
        w.put("tokenizer.ggml.token_type", GGUFValue.ofInts(GGUFValueType.INT32, types));
        w.put("tokenizer.ggml.merges", GGUFValue.ofStrings(merges));
        w.putUInt32("tokenizer.ggml.bos_token_id", bos);
        w.putUInt32("tokenizer.ggml.eos_token_id", eos);
        if (padding != null) w.putUInt32("tokenizer.ggml.padding_token_id", padding);
        w.putBool("tokenizer.ggml.add_bos_token", addBos);
        w.putString("tokenizer.chat_template", chatTemplate);
    }

    /**
     * Appends the 256 byte tokens (in GPT-2's order: printable bytes first) and {@code regular - 256} merged tokens
     * to {@code toks}; returns the merges.
     */
    private static String[] regularTokens(int regular, long seed, List<String> toks, List<Long> types) {
        char[] enc = byteLevelChars();
        List<Integer> order = new ArrayList<>();
        for (int b = 0; b < 256; b++) if (printable(b)) order.add(b);
        for (int b = 0; b < 256; b++) if (!printable(b)) order.add(b);
        Set<String> seen = new HashSet<>(regular * 2);
        for (int b : order) {
            String s = String.valueOf(enc[b]);
            toks.add(s);
            types.add((long) NORMAL);
            seen.add(s);
        }
        // Merge pools: "words" may start a merge (letters, optionally after a Ġ space); "parts" (short letter strings)
        // may end one.
        List<String> words = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        String space = String.valueOf(enc[' ']);
        for (char c = 'a'; c <= 'z'; c++) { parts.add(String.valueOf(c)); words.add(String.valueOf(c)); }
        for (char c = 'A'; c <= 'Z'; c++) { parts.add(String.valueOf(c)); words.add(String.valueOf(c)); }
        words.add(space);
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5EED_70CE_2L);
        String[] merges = new String[Math.max(0, regular - 256)];
        int m = 0;
        while (toks.size() < regular) {
            String left = words.get(rnd.nextInt(words.size()));
            // short endings are likelier, as in real vocabularies
            String right = parts.get(rnd.nextInt(Math.min(parts.size(), 52 + rnd.nextInt(1 + parts.size()))));
            String s = left + right;
            if (!seen.add(s)) continue;
            merges[m++] = left + " " + right;
            toks.add(s);
            types.add((long) NORMAL);
            if (s.length() < 12) words.add(s);
            if (s.length() <= 3 && !s.startsWith(space)) parts.add(s);
        }
        return merges;
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    /** GPT-2's bytes_to_unicode. */
    private static char[] byteLevelChars() {
        char[] enc = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) enc[b] = printable(b) ? (char) b : (char) (256 + extra++);
        return enc;
    }

    private static long[] unbox(List<Long> l) {
        long[] a = new long[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
