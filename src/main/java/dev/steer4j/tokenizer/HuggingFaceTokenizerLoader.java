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
 * Reads a Hugging Face {@code tokenizer.json} (and {@code tokenizer_config.json} beside it, when present) into a
 * {@link HuggingFaceBpeTokenizer}. Supported: model type {@code BPE} without subword prefixes, normalizers
 * {@code Prepend}, {@code Replace} (string pattern) and {@code Sequence} of them, no pre-tokenizer, and a
 * {@code TemplateProcessing} post-processor (which tells whether BOS/EOS are added).
 */
final class HuggingFaceTokenizerLoader {
    private static final ObjectMapper JSON = new ObjectMapper();

    private HuggingFaceTokenizerLoader() {}

    static Tokenizer load(Path path) {
        JsonNode root;
        try {
            root = JSON.readTree(path.toFile());
        } catch (IOException e) {
            throw new TokenizerException("cannot read " + path + ": " + e.getMessage(), e);
        }
        String where = path.getFileName().toString();
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText(null)))
            throw new TokenizerException(where + ": unsupported model.type '" + model.path("type").asText("(missing)") + "' (supported: BPE)");
        if (!model.path("continuing_subword_prefix").isNull() && !model.path("continuing_subword_prefix").isMissingNode()
                || !model.path("end_of_word_suffix").isNull() && !model.path("end_of_word_suffix").isMissingNode())
            throw new TokenizerException(where + ": BPE with continuing_subword_prefix/end_of_word_suffix is not supported");
        if (!root.path("pre_tokenizer").isNull() && !root.path("pre_tokenizer").isMissingNode())
            throw new TokenizerException(where + ": pre_tokenizer '" + root.path("pre_tokenizer").path("type").asText() + "' is not supported (only SentencePiece-style BPE without a pre-tokenizer)");

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
            attr[id] = byteFallback && e.getKey().matches("<0x[0-9A-F]{2}>") ? Vocab.ATTR_BYTE : Vocab.ATTR_NORMAL;
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

        // normalizer
        String[] prepend = {null};
        boolean[] replace = {false};
        readNormalizer(root.path("normalizer"), prepend, replace, where);
        v.addSpacePrefix = prepend[0] != null && prepend[0].equals("\u2581");

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
                if (c.path("chat_template").isTextual()) v.chatTemplate = c.get("chat_template").asText();
            } catch (IOException e) {
                throw new TokenizerException("cannot read " + config + ": " + e.getMessage(), e);
            }
        }
        if (v.bos >= 0) v.attr[v.bos] = (v.attr[v.bos] & ~Vocab.ATTR_NORMAL) | Vocab.ATTR_CONTROL;
        if (v.eos >= 0) v.attr[v.eos] = (v.attr[v.eos] & ~Vocab.ATTR_NORMAL) | Vocab.ATTR_CONTROL;
        v.finish();
        return new HuggingFaceBpeTokenizer(v, merges, prepend[0], replace[0], byteFallback,
                model.path("fuse_unk").asBoolean(false), model.path("ignore_merges").asBoolean(false));
    }

    private static String tokenName(JsonNode t) {
        if (t.isTextual()) return t.asText();
        if (t.isObject()) return t.path("content").asText(null);
        return null;
    }

    private static void readNormalizer(JsonNode nz, String[] prepend, boolean[] replace, String where) {
        if (nz.isNull() || nz.isMissingNode()) return;
        String type = nz.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                for (JsonNode x : nz.path("normalizers")) readNormalizer(x, prepend, replace, where);
            }
            case "Prepend" -> {
                if (replace[0]) throw new TokenizerException(where + ": normalizer Prepend after Replace is not supported");
                prepend[0] = nz.path("prepend").asText();
            }
            case "Replace" -> {
                String pattern = nz.path("pattern").path("String").asText(null);
                String content = nz.path("content").asText();
                if (!" ".equals(pattern) || !"\u2581".equals(content))
                    throw new TokenizerException(where + ": only the normalizer Replace(' ' -> '\u2581') is supported, not " + nz);
                replace[0] = true;
            }
            default -> throw new TokenizerException(where + ": unsupported normalizer '" + type + "' (supported: Prepend, Replace, Sequence)");
        }
    }
}
