package dev.steer4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads a Hugging Face {@code tokenizer.json} (with {@code tokenizer_config.json} and {@code generation_config.json}
 * beside it, when present). The model must be {@code BPE}; two kinds are built:
 * <ul>
 *   <li>byte-level BPE (a {@code ByteLevel} pre-tokenizer or decoder: GPT-2, Llama 3, Qwen2, SmolLM): a
 *       {@link BpeTokenizer} whose words come from the {@code Split} / {@code ByteLevel} / {@code Digits}
 *       pre-tokenizers' regular expressions;</li>
 *   <li>SentencePiece-style BPE (Llama 2, Mistral, TinyStories): a {@link HuggingFaceBpeTokenizer} with {@code ▁}
 *       from a {@code Prepend}/{@code Replace} normalizer or a {@code Metaspace} pre-tokenizer, and {@code <0xNN>}
 *       byte fallback.</li>
 * </ul>
 * Normalizers: see {@link HfNormalizer}. Added tokens become control tokens ({@code special}) or user-defined ones;
 * BOS/EOS come from the {@code TemplateProcessing} post-processor and {@code tokenizer_config.json}; extra
 * end-of-generation ids from {@code generation_config.json}; the chat template from {@code tokenizer_config.json}.
 * Anything else (WordPiece, Unigram, other pre-tokenizers) is refused by name.
 */
final class HuggingFaceTokenizerLoader {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The tokenizers library's ByteLevel(use_regex = true) expression (GPT-2's). */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private HuggingFaceTokenizerLoader() {}

    /** What the pre-tokenizer tree says. */
    private static final class Pre {
        boolean byteLevel, addPrefixSpace;
        final List<java.util.regex.Pattern> patterns = new ArrayList<>();
        HuggingFaceBpeTokenizer.Metaspace metaspace;
    }

    private static void readPre(JsonNode p, Pre pre, String where) {
        if (p == null || p.isNull() || p.isMissingNode()) return;
        String type = p.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                for (JsonNode x : p.path("pretokenizers")) readPre(x, pre, where);
            }
            case "ByteLevel" -> {
                pre.byteLevel = true;
                pre.addPrefixSpace |= p.path("add_prefix_space").asBoolean(false);
                if (p.path("use_regex").asBoolean(true)) pre.patterns.add(HfRegex.compile(GPT2_REGEX, where));
            }
            case "Split" -> {
                String behavior = p.path("behavior").asText("Isolated");
                if (!behavior.equals("Isolated") || p.path("invert").asBoolean(false))
                    throw new TokenizerException(where + ": pre-tokenizer Split with behavior " + behavior + (p.path("invert").asBoolean(false) ? " (inverted)" : "") + " is not supported (supported: Isolated)");
                JsonNode pat = p.path("pattern");
                if (pat.has("Regex")) pre.patterns.add(HfRegex.compile(pat.path("Regex").asText(), where));
                else if (pat.has("String")) pre.patterns.add(java.util.regex.Pattern.compile(java.util.regex.Pattern.quote(pat.path("String").asText())));
                else throw new TokenizerException(where + ": pre-tokenizer Split needs a String or Regex pattern, got " + pat);
            }
            case "Digits" -> pre.patterns.add(java.util.regex.Pattern.compile(p.path("individual_digits").asBoolean(false) ? "\\p{N}" : "\\p{N}+"));
            case "Metaspace" -> {
                String repl = p.path("replacement").asText("\u2581");
                if (repl.length() != 1) throw new TokenizerException(where + ": Metaspace replacement '" + repl + "' must be one character");
                String scheme = p.has("prepend_scheme") ? p.path("prepend_scheme").asText()
                        : p.path("add_prefix_space").asBoolean(true) ? "always" : "never";
                if (!scheme.equals("always") && !scheme.equals("first") && !scheme.equals("never"))
                    throw new TokenizerException(where + ": Metaspace prepend_scheme '" + scheme + "' is not one of always, first, never");
                pre.metaspace = new HuggingFaceBpeTokenizer.Metaspace(repl.charAt(0), scheme, p.path("split").asBoolean(true));
            }
            default -> throw new TokenizerException(where + ": pre_tokenizer '" + type
                    + "' is not supported (supported: ByteLevel, Split, Digits, Metaspace, Sequence)");
        }
    }

    private static boolean hasType(JsonNode n, String type) {
        if (n == null || n.isMissingNode() || n.isNull()) return false;
        if (type.equals(n.path("type").asText())) return true;
        for (JsonNode c : n) if (c.isContainerNode() && hasType(c, type)) return true;
        return false;
    }

    static Tokenizer load(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + path + ": " + e.getMessage(), e);
        }
        String where = path.getFileName().toString();
        if (root == null || !root.isObject()) throw new TokenizerException(where + ": not a JSON object");
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText(null)))
            throw new TokenizerException(where + ": unsupported model.type '" + model.path("type").asText("(missing)") + "' (supported: BPE)");
        if (!model.path("continuing_subword_prefix").asText("").isEmpty()
                || !model.path("end_of_word_suffix").asText("").isEmpty())
            throw new TokenizerException(where + ": BPE with continuing_subword_prefix/end_of_word_suffix is not supported");
        Pre pre = new Pre();
        readPre(root.path("pre_tokenizer"), pre, where);
        boolean byteLevel = pre.byteLevel || hasType(root.path("decoder"), "ByteLevel");
        if (byteLevel && pre.metaspace != null) throw new TokenizerException(where + ": a pre-tokenizer with both ByteLevel and Metaspace is not supported");
        HfNormalizer.Parsed normalizer = HfNormalizer.parse(root.path("normalizer"), where);
        JsonNode vocabNode = model.path("vocab");
        if (!vocabNode.isObject() || vocabNode.isEmpty()) throw new TokenizerException(where + ": model.vocab is missing or empty");
        int n = 0;
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) n = Math.max(n, e.getValue().asInt() + 1);
        for (JsonNode t : root.path("added_tokens")) n = Math.max(n, t.path("id").asInt() + 1);
        String[] text = new String[n];
        int[] attr = new int[n];
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        for (Map.Entry<String, JsonNode> e : vocabNode.properties()) {
            int id = e.getValue().asInt();
            if (id < 0) throw new TokenizerException(where + ": token '" + e.getKey() + "' has negative id " + id);
            text[id] = e.getKey();
            attr[id] = !byteLevel && byteFallback && e.getKey().matches("<0x[0-9A-F]{2}>") ? Vocab.ATTR_BYTE : Vocab.ATTR_NORMAL;
        }
        for (JsonNode t : root.path("added_tokens")) {
            int id = t.path("id").asInt();
            text[id] = t.path("content").asText();
            attr[id] = t.path("special").asBoolean(false) ? Vocab.ATTR_CONTROL : Vocab.ATTR_USER_DEFINED;
            if (t.path("lstrip").asBoolean(false)) attr[id] |= Vocab.ATTR_LSTRIP;
            if (t.path("rstrip").asBoolean(false)) attr[id] |= Vocab.ATTR_RSTRIP;
        }
        for (int i = 0; i < n; i++) {
            if (text[i] == null) {
                text[i] = "[UNUSED_" + i + "]";
                attr[i] = Vocab.ATTR_UNUSED;
            }
        }
        Vocab v = new Vocab(text, new float[n], attr);
        String unk = model.path("unk_token").asText(null);
        v.unk = unk == null ? Vocab.NULL : v.id(unk);
        if (v.unk >= 0 && (v.attr[v.unk] & Vocab.ATTR_NORMAL) != 0) v.attr[v.unk] = Vocab.ATTR_UNKNOWN;

        List<String[]> merges = new ArrayList<>();
        for (JsonNode m : model.path("merges")) {
            if (m.isArray() && m.size() == 2) merges.add(new String[]{m.get(0).asText(), m.get(1).asText()});
            else if (m.isTextual()) {
                String s = m.asText();
                int sp = s.indexOf(' ', 1);
                if (sp < 0) throw new TokenizerException(where + ": merge '" + s + "' has no space");
                merges.add(new String[]{s.substring(0, sp), s.substring(sp + 1)});
            } else throw new TokenizerException(where + ": bad merge entry " + m);
        }

        v.addSpacePrefix = !byteLevel && ("\u2581".equals(normalizer.prepend())
                || pre.metaspace != null && !pre.metaspace.prependScheme().equals("never"));

        // special tokens from the post-processor: TemplateProcessing single = [Special?, A, Special?]
        v.bos = Vocab.NULL;
        v.eos = Vocab.NULL;
        JsonNode post = root.path("post_processor");
        if ("TemplateProcessing".equals(post.path("type").asText())) {
            JsonNode single = post.path("single");
            for (int i = 0; i < single.size(); i++) {
                JsonNode special = single.get(i).path("SpecialToken");
                if (special.isMissingNode()) continue;
                int id = v.id(special.path("id").asText());
                if (id < 0) continue;
                if (i == 0) { v.bos = id; v.addBos = true; } else { v.eos = id; v.addEos = true; }
            }
        }
        // tokenizer_config.json: bos/eos names, add_bos/add_eos flags, chat template
        Path config = path.resolveSibling("tokenizer_config.json");
        if (Files.isRegularFile(config)) {
            try {
                JsonNode c = JSON.readTree(config.toFile());
                int bos = v.id(tokenName(c.path("bos_token")));
                int eos = v.id(tokenName(c.path("eos_token")));
                if (bos >= 0) v.bos = bos;
                if (eos >= 0) v.eos = eos;
                if (c.has("add_bos_token")) v.addBos = c.get("add_bos_token").asBoolean() && v.bos >= 0;
                if (c.has("add_eos_token")) v.addEos = c.get("add_eos_token").asBoolean() && v.eos >= 0;
                JsonNode ct = c.path("chat_template");
                if (ct.isTextual()) v.chatTemplate = ct.asText();
                else if (ct.isArray()) { // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
                    for (JsonNode t : ct) if (v.chatTemplate == null || "default".equals(t.path("name").asText())) v.chatTemplate = t.path("template").asText(null);
                }
                v.cleanSpaces = c.path("clean_up_tokenization_spaces").asBoolean(false);
            } catch (IOException e) {
                throw new TokenizerException("cannot read " + config + ": " + e.getMessage(), e);
            }
        }
        if (v.bos >= 0) v.attr[v.bos] = (v.attr[v.bos] & ~Vocab.ATTR_NORMAL) | Vocab.ATTR_CONTROL;
        if (v.eos >= 0) v.attr[v.eos] = (v.attr[v.eos] & ~Vocab.ATTR_NORMAL) | Vocab.ATTR_CONTROL;
        Path jinja = path.resolveSibling("chat_template.jinja"); // newer transformers save the template beside
        if (v.chatTemplate == null && Files.isRegularFile(jinja)) {
            try {
                v.chatTemplate = Files.readString(jinja);
            } catch (IOException e) {
                throw new TokenizerException("cannot read " + jinja + ": " + e.getMessage(), e);
            }
        }
        v.ignoreMerges = model.path("ignore_merges").asBoolean(false);
        v.finish();
        addGenerationConfigEos(path.resolveSibling("generation_config.json"), v);
        if (byteLevel) {
            String[] m = new String[merges.size()];
            for (int i = 0; i < m.length; i++) m[i] = merges.get(i)[0] + " " + merges.get(i)[1];
            return new BpeTokenizer(v, m, PreTokenizer.ofPatterns(pre.patterns), normalizer.apply(), pre.addPrefixSpace);
        }
        return new HuggingFaceBpeTokenizer(v, merges, normalizer.apply(), pre.metaspace, byteFallback,
                model.path("fuse_unk").asBoolean(false), v.ignoreMerges);
    }

    /** generation_config.json's {@code eos_token_id} (one id or a list, such as Llama 3's) ends generation too. */
    private static void addGenerationConfigEos(Path generationConfig, Vocab v) {
        if (!Files.isRegularFile(generationConfig)) return;
        try {
            JsonNode eos = JSON.readTree(generationConfig.toFile()).path("eos_token_id");
            if (eos.isIntegralNumber() && v.valid(eos.asInt())) v.eog.set(eos.asInt());
            for (JsonNode id : eos) if (id.isIntegralNumber() && v.valid(id.asInt())) v.eog.set(id.asInt());
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + generationConfig + ": " + e.getMessage(), e);
        }
    }

    private static String tokenName(JsonNode t) {
        if (t.isTextual()) return t.asText();
        if (t.isObject()) return t.path("content").asText(null);
        return null;
    }
}
