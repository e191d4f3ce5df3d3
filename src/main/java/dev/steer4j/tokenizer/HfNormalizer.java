package dev.steer4j.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code tokenizer.json} normalizer as a string function: {@code Sequence}, {@code Prepend}, {@code Replace}
 * (string or regex pattern), {@code NFC}, {@code NFD}, {@code NFKC}, {@code NFKD}, {@code Lowercase} and
 * {@code Strip}. Anything else is refused by name.
 */
final class HfNormalizer {
    private HfNormalizer() {}

    /** What a normalizer tree does, plus the SentencePiece prefix it prepends (for decoding), if any. */
    record Parsed(UnaryOperator<String> apply, String prepend) {}

    static Parsed parse(JsonNode nz, String where) {
        List<UnaryOperator<String>> steps = new ArrayList<>();
        String[] prepend = {null};
        collect(nz, steps, prepend, where);
        UnaryOperator<String> all = s -> {
            for (UnaryOperator<String> f : steps) s = f.apply(s);
            return s;
        };
        return new Parsed(steps.isEmpty() ? UnaryOperator.identity() : all, prepend[0]);
    }

    private static void collect(JsonNode nz, List<UnaryOperator<String>> steps, String[] prepend, String where) {
        if (nz == null || nz.isNull() || nz.isMissingNode()) return;
        String type = nz.path("type").asText();
        switch (type) {
            case "Sequence" -> {
                for (JsonNode x : nz.path("normalizers")) collect(x, steps, prepend, where);
            }
            case "Prepend" -> {
                String p = nz.path("prepend").asText();
                if (prepend[0] == null) prepend[0] = p;
                steps.add(s -> s.isEmpty() ? s : p + s);
            }
            case "Replace" -> {
                String content = nz.path("content").asText();
                JsonNode pat = nz.path("pattern");
                if (pat.has("String")) {
                    String from = pat.path("String").asText();
                    steps.add(s -> s.replace(from, content));
                } else if (pat.has("Regex")) {
                    Pattern re = HfRegex.compile(pat.path("Regex").asText(), where);
                    String repl = Matcher.quoteReplacement(content);
                    steps.add(s -> re.matcher(s).replaceAll(repl));
                } else throw new TokenizerException(where + ": normalizer Replace needs a String or Regex pattern, got " + pat);
            }
            case "NFC" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFC));
            case "NFD" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFD));
            case "NFKC" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFKC));
            case "NFKD" -> steps.add(s -> Normalizer.normalize(s, Normalizer.Form.NFKD));
            case "Lowercase" -> steps.add(s -> s.toLowerCase(Locale.ROOT));
            case "Strip" -> {
                boolean left = nz.path("strip_left").asBoolean(true), right = nz.path("strip_right").asBoolean(true);
                steps.add(s -> left && right ? s.strip() : left ? s.stripLeading() : right ? s.stripTrailing() : s);
            }
            default -> throw new TokenizerException(where + ": unsupported normalizer '" + type
                    + "' (supported: Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase, Strip)");
        }
    }
}
