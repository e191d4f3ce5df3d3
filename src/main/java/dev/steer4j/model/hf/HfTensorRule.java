package dev.steer4j.model.hf;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Hugging Face tensor name ↔ GGUF tensor name correspondence, with {@code {L}} standing for the layer number,
 * and how the data differ ({@link HfLayout}, from HF to GGUF).
 */
record HfTensorRule(String hf, String gguf, HfLayout layout) {

    static HfTensorRule of(String hf, String gguf) { return new HfTensorRule(hf, gguf, HfLayout.AS_IS); }
    static HfTensorRule of(String hf, String gguf, HfLayout layout) { return new HfTensorRule(hf, gguf, layout); }

    private static Pattern pattern(String template) {
        return Pattern.compile(Pattern.quote(template).replace("{L}", "\\E(\\d+)\\Q"));
    }

    /** The GGUF name for an HF name this rule matches, or null. */
    String toGguf(String hfName) {
        return translate(hf, gguf, hfName);
    }

    /** The HF name for a GGUF name this rule matches, or null. */
    String toHf(String ggufName) {
        return translate(gguf, hf, ggufName);
    }

    private static String translate(String from, String to, String name) {
        Matcher m = pattern(from).matcher(name);
        if (!m.matches()) return null;
        return from.contains("{L}") ? to.replace("{L}", m.group(1)) : to;
    }
}
