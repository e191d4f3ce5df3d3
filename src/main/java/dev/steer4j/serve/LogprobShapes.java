package dev.steer4j.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.steer4j.runtime.TokenLogprob;
import dev.steer4j.tokenizer.Tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's two {@code logprobs} shapes, built from the sampler's {@link TokenLogprob}s: the legacy completions object
 * (parallel arrays) and the chat object (one entry per token, with UTF-8 bytes).
 */
final class LogprobShapes {
    private LogprobShapes() {}

    /** {@code /v1/completions}: tokens, token_logprobs, top_logprobs (null when no alternatives were asked for), text_offset. */
    record Completion(List<String> tokens, @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
                      @JsonProperty("top_logprobs") List<Map<String, Double>> topLogprobs,
                      @JsonProperty("text_offset") List<Integer> textOffset) {}

    /** {@code /v1/chat/completions}: {@code {"content": [...], "refusal": null}}. */
    record Chat(List<ChatToken> content, @JsonInclude(JsonInclude.Include.ALWAYS) Object refusal) {}

    record ChatToken(String token, double logprob, List<Integer> bytes, @JsonProperty("top_logprobs") List<ChatTop> topLogprobs) {}

    record ChatTop(String token, double logprob, List<Integer> bytes) {}

    static Completion completion(List<TokenLogprob> lps, Tokenizer tok, int textOffset, boolean withTop) {
        List<String> tokens = new ArrayList<>();
        List<Double> lp = new ArrayList<>();
        List<Map<String, Double>> top = withTop ? new ArrayList<>() : null;
        List<Integer> offsets = new ArrayList<>();
        int off = textOffset;
        for (TokenLogprob t : lps) {
            String text = text(tok, t.token());
            tokens.add(text);
            lp.add(t.logprob());
            offsets.add(off);
            off += text.length();
            if (top != null) {
                Map<String, Double> m = new LinkedHashMap<>();
                for (TokenLogprob.Alternative a : t.top()) m.putIfAbsent(text(tok, a.token()), a.logprob());
                top.add(m);
            }
        }
        return new Completion(tokens, lp, top, offsets);
    }

    static Chat chat(List<TokenLogprob> lps, Tokenizer tok) {
        List<ChatToken> out = new ArrayList<>();
        for (TokenLogprob t : lps) {
            List<ChatTop> top = new ArrayList<>();
            for (TokenLogprob.Alternative a : t.top()) top.add(new ChatTop(text(tok, a.token()), a.logprob(), bytes(tok, a.token())));
            out.add(new ChatToken(text(tok, t.token()), t.logprob(), bytes(tok, t.token()), top));
        }
        return new Chat(out, null);
    }

    /** The token's text in running output (a lone part of a multi-byte character shows as U+FFFD, as OpenAI does). */
    static String text(Tokenizer tok, int id) {
        return new String(tok.tokenBytes(id), StandardCharsets.UTF_8);
    }

    private static List<Integer> bytes(Tokenizer tok, int id) {
        byte[] b = tok.tokenBytes(id);
        List<Integer> out = new ArrayList<>(b.length);
        for (byte x : b) out.add(x & 0xff);
        return out;
    }
}
