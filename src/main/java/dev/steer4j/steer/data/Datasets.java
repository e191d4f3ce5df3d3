package dev.steer4j.steer.data;

import dev.steer4j.util.Sha256;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loaders for contrastive data. Every problem is reported with the file and line it is on
 * ({@code pairs.jsonl line 7: missing field "negative"}).
 */
public final class Datasets {
    /** CAA's A/B recipe for a base model: the question, then the answer letter, read at the letter. */
    public static final String CAA_TEMPLATE = "{question}\n\nAnswer: ({letter}";
    private static final Pattern ANSWER = Pattern.compile("\\s*\\(?\\s*([A-Za-z])\\s*\\)?\\s*");
    /** Classpath location of the shipped happy/sad pairs. */
    public static final String HAPPY_SAD = "/steer4j/data/happy_sad.jsonl";
    private static final String[] PROMPT_FIELDS = {"instruction", "prompt", "text", "question"};

    private Datasets() {}

    /**
     * Reads any format.
     *
     * @param negative the negative prompt list (only for {@link DatasetFormat#LISTS})
     * @param repeng   persona template for a repeng suffix list (only for {@link DatasetFormat#REPENG} when {@code data}
     *                 is a JSON array of suffixes rather than a spec object); may be null
     */
    public static ContrastiveDataset load(DatasetFormat format, Path data, Path negative, RepengTemplate repeng) {
        if (format != DatasetFormat.LISTS && negative != null)
            throw new IllegalArgumentException("a separate negative file is only used with format lists, not " + format);
        return switch (format) {
            case PAIRS -> pairs(data);
            case CAA -> caa(data);
            case REPENG -> repeng(data, repeng);
            case LISTS -> {
                if (negative == null) throw new IllegalArgumentException("format lists needs a negative prompt file too");
                yield lists(data, negative);
            }
        };
    }

    // ---- plain pairs ----------------------------------------------------------------------------------------------

    /** JSONL (or a JSON array) of {@code {"positive": "...", "negative": "..."}}. */
    public static ContrastiveDataset pairs(Path file) {
        return pairs(JsonRecords.readSource(file), stem(file));
    }

    /** Pairs from bytes (for example a classpath resource); {@code sourceName} names them in errors. */
    public static ContrastiveDataset pairs(String sourceName, byte[] bytes) {
        String base = sourceName.substring(sourceName.lastIndexOf('/') + 1);
        return pairs(JsonRecords.source(sourceName, bytes), stem(Path.of(base)));
    }

    /**
     * The happy/sad pair set shipped with steer4j ({@value #HAPPY_SAD}): 24 short TinyStories-style sentence pairs
     * written for the demo (see {@code steer4j/data/SOURCES.md}).
     */
    public static ContrastiveDataset happySad() {
        try (java.io.InputStream in = Datasets.class.getResourceAsStream(HAPPY_SAD)) {
            if (in == null) throw new IllegalStateException("the bundled dataset " + HAPPY_SAD + " is missing from this build");
            return pairs("steer4j/data/happy_sad.jsonl", in.readAllBytes());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static ContrastiveDataset pairs(JsonRecords.Source src, String name) {
        List<Prompt> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (JsonRecords.Entry e : JsonRecords.read(src)) {
            pos.add(Prompt.of(JsonRecords.string(src, e, "positive")));
            neg.add(Prompt.of(JsonRecords.string(src, e, "negative")));
        }
        if (pos.isEmpty()) throw new DatasetException(src.name(), "empty dataset (no examples)");
        return new ContrastiveDataset(name, sha256(src.bytes()), DatasetFormat.PAIRS, pos, neg, src.name(), src.name());
    }

    // ---- CAA A/B --------------------------------------------------------------------------------------------------

    /** CAA A/B items with {@link #CAA_TEMPLATE}. */
    public static ContrastiveDataset caa(Path file) {
        return caa(file, CAA_TEMPLATE);
    }

    /**
     * CAA A/B items ({@code question}, {@code answer_matching_behavior}, {@code answer_not_matching_behavior}). Each
     * item gives a positive prompt ending in the matching answer's letter and a negative one ending in the other
     * letter; the answer token (the letter) is marked for the {@code answer} read position, as CAA reads there.
     *
     * @param template contains {@code {question}} and {@code {letter}}
     */
    public static ContrastiveDataset caa(Path file, String template) {
        if (!template.contains("{question}") || !template.contains("{letter}"))
            throw new IllegalArgumentException("a CAA template needs {question} and {letter}, got \"" + template + "\"");
        JsonRecords.Source src = JsonRecords.readSource(file);
        List<Prompt> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (JsonRecords.Entry e : JsonRecords.read(src)) {
            String q = JsonRecords.string(src, e, "question");
            char yes = letter(src, e, "answer_matching_behavior");
            char no = letter(src, e, "answer_not_matching_behavior");
            if (yes == no)
                throw new DatasetException(src.name(), e.line(), "answer_matching_behavior and answer_not_matching_behavior are both (" + yes + ")");
            pos.add(caaPrompt(template, q, yes));
            neg.add(caaPrompt(template, q, no));
        }
        if (pos.isEmpty()) throw new DatasetException(src.name(), "empty dataset (no examples)");
        return new ContrastiveDataset(caaName(file), sha256(src.bytes()), DatasetFormat.CAA, pos, neg, src.name(), src.name());
    }

    private static Prompt caaPrompt(String template, String question, char letter) {
        int at = template.indexOf("{letter}");
        String before = template.substring(0, at).replace("{question}", question);
        String after = template.substring(at + "{letter}".length()).replace("{question}", question);
        return new Prompt(before + letter + after, before.length() + 1);
    }

    private static char letter(JsonRecords.Source src, JsonRecords.Entry e, String field) {
        String v = JsonRecords.string(src, e, field);
        Matcher m = ANSWER.matcher(v);
        if (!m.matches())
            throw new DatasetException(src.name(), e.line(), "field \"" + field + "\" must be an answer letter like \"(A)\", got \"" + v + "\"");
        return Character.toUpperCase(m.group(1).charAt(0));
    }

    private static String caaName(Path file) {
        String stem = stem(file);
        Path parent = file.toAbsolutePath().getParent();
        if ((stem.startsWith("generate_dataset") || stem.startsWith("test_dataset")) && parent != null && parent.getFileName() != null)
            return parent.getFileName() + "/" + stem;
        return stem;
    }

    // ---- repeng persona templates ---------------------------------------------------------------------------------

    /**
     * A repeng dataset from a file: either a spec object
     * <pre>{"template": "Act as if you're extremely {persona}." (the default), "positive_personas": ["happy"],
     *  "negative_personas": ["sad"], "suffixes": ["I feel", ...] | "suffixes_file": "all_truncated_outputs.json",
     *  "user_tag": "", "asst_tag": "", "expand_suffixes": false}</pre>
     * or a JSON array of suffixes combined with {@code template} (which must then be given).
     */
    public static ContrastiveDataset repeng(Path file, RepengTemplate template) {
        JsonRecords.Source src = JsonRecords.readSource(file);
        if (JsonRecords.isArray(src.text())) {
            if (template == null)
                throw new DatasetException(src.name(), "a list of repeng suffixes needs a persona template (give the personas, or use a spec object with \"template\")");
            List<String> suffixes = stringList(src, JsonRecords.read(src));
            return repeng(template, suffixes, stem(file), sha256(src.bytes()), src.name());
        }
        JsonNode spec;
        try {
            spec = JsonRecords.JSON.readTree(src.text());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNr();
            throw new DatasetException(src.name(), line, "malformed JSON: " + JsonRecords.firstLine(e.getOriginalMessage()));
        }
        if (spec == null || !spec.isObject())
            throw new DatasetException(src.name(), "expected a repeng spec object or a JSON array of suffixes");
        String tpl = spec.get("template") == null ? RepengTemplate.DEFAULT_TEMPLATE : specString(src, spec, "template", true);
        List<String> posP = specStrings(src, spec, "positive_personas");
        List<String> negP = specStrings(src, spec, "negative_personas");
        String userTag = specString(src, spec, "user_tag", false);
        String asstTag = specString(src, spec, "asst_tag", false);
        JsonNode expand = spec.get("expand_suffixes");
        if (expand != null && !expand.isBoolean())
            throw new DatasetException(src.name(), "field \"expand_suffixes\" must be true or false, got " + JsonRecords.describe(expand));
        RepengTemplate t;
        try {
            t = new RepengTemplate(tpl, posP, negP, userTag, asstTag, expand != null && expand.asBoolean());
        } catch (DatasetException e) {
            throw new DatasetException(src.name(), e.getMessage());
        }
        byte[] bytes = src.bytes();
        List<String> suffixes;
        JsonNode inline = spec.get("suffixes");
        JsonNode ref = spec.get("suffixes_file");
        if (inline != null && ref != null) throw new DatasetException(src.name(), "give either \"suffixes\" or \"suffixes_file\", not both");
        if (ref != null) {
            if (!ref.isTextual()) throw new DatasetException(src.name(), "field \"suffixes_file\" must be a string, got " + JsonRecords.describe(ref));
            Path sp = file.toAbsolutePath().getParent().resolve(ref.asText());
            JsonRecords.Source ss = JsonRecords.readSource(sp);
            suffixes = stringList(ss, JsonRecords.read(ss));
            bytes = concat(bytes, ss.bytes());
        } else if (inline != null) {
            if (!inline.isArray()) throw new DatasetException(src.name(), "field \"suffixes\" must be an array of strings, got " + JsonRecords.describe(inline));
            suffixes = new ArrayList<>();
            for (JsonNode n : inline) {
                if (!n.isTextual()) throw new DatasetException(src.name(), "field \"suffixes\" must hold strings, got " + JsonRecords.describe(n));
                suffixes.add(n.asText());
            }
        } else {
            throw new DatasetException(src.name(), "missing field \"suffixes\" (or \"suffixes_file\")");
        }
        return repeng(t, suffixes, stem(file), sha256(bytes), src.name());
    }

    /** A repeng dataset in memory. */
    public static ContrastiveDataset repeng(RepengTemplate t, List<String> suffixes, String name) {
        return repeng(t, suffixes, name, ContrastiveDataset.hashTexts(suffixes, List.of(t.toString())), name);
    }

    private static ContrastiveDataset repeng(RepengTemplate t, List<String> suffixes, String name, String sha, String source) {
        if (suffixes.isEmpty()) throw new DatasetException(source, "empty dataset (no suffixes)");
        List<String> all = new ArrayList<>();
        for (String s : suffixes) {
            if (!t.expandSuffixes() || s.isBlank()) { all.add(s); continue; }
            String[] words = s.trim().split("\\s+");
            StringBuilder sb = new StringBuilder();
            for (String w : words) {
                if (!sb.isEmpty()) sb.append(' ');
                sb.append(w);
                all.add(sb.toString());
            }
        }
        List<Prompt> pos = new ArrayList<>(), neg = new ArrayList<>();
        for (String suffix : all) {
            for (int i = 0; i < t.positivePersonas().size(); i++) {
                pos.add(Prompt.of(t.prompt(t.positivePersonas().get(i), suffix)));
                neg.add(Prompt.of(t.prompt(t.negativePersonas().get(i), suffix)));
            }
        }
        return new ContrastiveDataset(name, sha, DatasetFormat.REPENG, pos, neg, source, source);
    }

    private static String specString(JsonRecords.Source src, JsonNode spec, String field, boolean required) {
        JsonNode v = spec.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new DatasetException(src.name(), "missing field \"" + field + "\"");
            return "";
        }
        if (!v.isTextual()) throw new DatasetException(src.name(), "field \"" + field + "\" must be a string, got " + JsonRecords.describe(v));
        return v.asText();
    }

    private static List<String> specStrings(JsonRecords.Source src, JsonNode spec, String field) {
        JsonNode v = spec.get(field);
        if (v == null || v.isNull()) throw new DatasetException(src.name(), "missing field \"" + field + "\"");
        List<String> out = new ArrayList<>();
        if (v.isTextual()) { out.add(v.asText()); return out; }
        if (!v.isArray()) throw new DatasetException(src.name(), "field \"" + field + "\" must be a string or an array of strings, got " + JsonRecords.describe(v));
        for (JsonNode n : v) {
            if (!n.isTextual() || n.asText().isEmpty())
                throw new DatasetException(src.name(), "field \"" + field + "\" must hold non-empty strings, got " + JsonRecords.describe(n));
            out.add(n.asText());
        }
        return out;
    }

    private static List<String> stringList(JsonRecords.Source src, List<JsonRecords.Entry> entries) {
        List<String> out = new ArrayList<>();
        for (JsonRecords.Entry e : entries) {
            if (!e.node().isTextual()) throw new DatasetException(src.name(), e.line(), "expected a string, got " + JsonRecords.describe(e.node()));
            out.add(e.node().asText());
        }
        return out;
    }

    // ---- two prompt lists -----------------------------------------------------------------------------------------

    /**
     * Two prompt lists for difference-in-means: positives (e.g. harmful instructions) and negatives (harmless). Each
     * file is a JSON array or JSONL of strings or of objects with an "instruction", "prompt", "text" or "question"
     * field (the refusal_direction splits), or a .txt file with one prompt per non-blank line. The lists need not be
     * the same length; methods that pair prompts check that they are.
     */
    public static ContrastiveDataset lists(Path positives, Path negatives) {
        JsonRecords.Source ps = JsonRecords.readSource(positives);
        JsonRecords.Source ns = JsonRecords.readSource(negatives);
        List<Prompt> pos = promptList(ps), neg = promptList(ns);
        if (pos.isEmpty()) throw new DatasetException(ps.name(), "empty dataset (no prompts)");
        if (neg.isEmpty()) throw new DatasetException(ns.name(), "empty dataset (no prompts)");
        return new ContrastiveDataset(stem(positives) + "-vs-" + stem(negatives), sha256(concat(ps.bytes(), ns.bytes())),
                DatasetFormat.LISTS, pos, neg, ps.name(), ns.name());
    }

    private static List<Prompt> promptList(JsonRecords.Source src) {
        List<Prompt> out = new ArrayList<>();
        if (src.name().toLowerCase(Locale.ROOT).endsWith(".txt")) {
            for (String line : src.text().split("\r?\n")) if (!line.isBlank()) out.add(Prompt.of(line));
            return out;
        }
        for (JsonRecords.Entry e : JsonRecords.read(src)) {
            JsonNode n = e.node();
            if (n.isTextual()) {
                if (n.asText().isEmpty()) throw new DatasetException(src.name(), e.line(), "empty prompt");
                out.add(Prompt.of(n.asText()));
                continue;
            }
            String field = null;
            if (n.isObject()) for (String f : PROMPT_FIELDS) if (n.has(f)) { field = f; break; }
            if (field == null)
                throw new DatasetException(src.name(), e.line(), "expected a string or an object with \"instruction\", \"prompt\", \"text\" or \"question\", got " + JsonRecords.describe(n));
            out.add(Prompt.of(JsonRecords.string(src, e, field)));
        }
        return out;
    }

    // ---- helpers --------------------------------------------------------------------------------------------------

    static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.indexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    static String sha256(byte[] bytes) {
        return Sha256.hex(bytes);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
        out.writeBytes(a);
        out.writeBytes(b);
        return out.toByteArray();
    }
}
