package dev.steer4j.tokenizer;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Compiles a {@code tokenizer.json} regular expression (Oniguruma syntax, as the tokenizers library uses) for
 * {@link java.util.regex}: {@code \s} and {@code \S} become the Unicode White_Space set (Java's are ASCII-only), as
 * {@link PreTokenizer} does for llama.cpp's expressions; {@code \p{L}}, {@code \p{N}} and {@code (?i:...)} mean the
 * same in both.
 */
final class HfRegex {
    private HfRegex() {}

    static String translate(String re) {
        StringBuilder out = new StringBuilder(re.length() + 64);
        int depth = 0;
        for (int i = 0; i < re.length(); i++) {
            char c = re.charAt(i);
            if (c == '\\' && i + 1 < re.length()) {
                char n = re.charAt(++i);
                if (n == 's') out.append(depth > 0 ? PreTokenizer.WS : "[" + PreTokenizer.WS + "]");
                else if (n == 'S') {
                    if (depth > 0) throw new PatternSyntaxException("\\S inside a character class is not supported", re, i);
                    out.append("[^").append(PreTokenizer.WS).append(']');
                } else out.append(c).append(n);
                continue;
            }
            if (c == '[') depth++;
            else if (c == ']' && depth > 0) depth--;
            out.append(c);
        }
        return out.toString();
    }

    static Pattern compile(String re, String where) {
        try {
            return Pattern.compile(translate(re));
        } catch (PatternSyntaxException e) {
            throw new TokenizerException(where + ": cannot compile regex " + re + ": " + e.getDescription());
        }
    }
}
