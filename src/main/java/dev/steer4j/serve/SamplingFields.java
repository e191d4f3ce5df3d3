package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import dev.steer4j.runtime.GenerationConfig;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads the OpenAI fields that shape sampling and the choices: {@code prompt} arrays, {@code n}, {@code echo},
 * {@code presence_penalty}, {@code frequency_penalty}, {@code logit_bias}, {@code logprobs} and {@code top_logprobs}.
 */
final class SamplingFields {
    /** The most choices one request may ask for ({@code n} times the number of prompts). */
    static final int MAX_CHOICES = 16;
    /** The legacy completions API allows at most 5 alternatives per token. */
    static final int MAX_COMPLETION_LOGPROBS = 5;

    private SamplingFields() {}

    /** {@code prompt}: a string, an array of strings, an array of token ids, or an array of token-id arrays. */
    static List<ServeRequest.Prompt> prompts(JsonNode p) {
        if (Params.absent(p)) throw ApiException.invalid("prompt", "missing_parameter", "'prompt' is required");
        if (p.isTextual()) return List.of(new ServeRequest.Prompt(p.asText(), null));
        if (!p.isArray() || p.isEmpty())
            throw ApiException.invalid("prompt", "invalid_type", "'prompt' must be a string, an array of strings, an array of token ids or an array of token-id arrays, got " + Params.show(p));
        if (allInts(p)) return List.of(new ServeRequest.Prompt(null, ints(p)));
        List<ServeRequest.Prompt> out = new ArrayList<>();
        for (int i = 0; i < p.size(); i++) {
            JsonNode x = p.get(i);
            if (x.isTextual()) out.add(new ServeRequest.Prompt(x.asText(), null));
            else if (x.isArray() && !x.isEmpty() && allInts(x)) out.add(new ServeRequest.Prompt(null, ints(x)));
            else throw ApiException.invalid("prompt", "invalid_type", "'prompt[" + i + "]' must be a string or a non-empty array of token ids, got " + Params.show(x));
        }
        return out;
    }

    static ServeRequest.Sampling parse(JsonNode body, boolean chat, List<ServeRequest.Prompt> prompts, boolean stream) {
        Integer n = Params.optInt(body, "n", "n", 1, MAX_CHOICES);
        int choices = (n == null ? 1 : n) * Math.max(1, prompts.size());
        if (choices > MAX_CHOICES)
            throw ApiException.invalid(prompts.size() > 1 ? "prompt" : "n", "'n' (" + (n == null ? 1 : n) + ") times the number of prompts (" + prompts.size()
                    + ") is " + choices + " choices, over the limit of " + MAX_CHOICES);
        if (stream && choices > 1)
            throw ApiException.invalid(prompts.size() > 1 ? "prompt" : "n", "unsupported_parameter", "'stream' gives one choice per request; send 'n' > 1 or several prompts without 'stream'");
        Double presence = Params.optDouble(body, "presence_penalty", "presence_penalty", -2, 2, false);
        Double frequency = Params.optDouble(body, "frequency_penalty", "frequency_penalty", -2, 2, false);
        Map<Integer, Float> bias = logitBias(body.get("logit_bias"));
        int logprobs = -1;
        boolean echo = false;
        if (chat) {
            Boolean lp = Params.optBool(body, "logprobs", "logprobs");
            Integer top = Params.optInt(body, "top_logprobs", "top_logprobs", 0, GenerationConfig.MAX_TOP_LOGPROBS);
            if (top != null && (lp == null || !lp))
                throw ApiException.invalid("top_logprobs", "'top_logprobs' needs 'logprobs': true");
            if (lp != null && lp) logprobs = top == null ? 0 : top;
        } else {
            Integer lp = Params.optInt(body, "logprobs", "logprobs", 0, MAX_COMPLETION_LOGPROBS);
            if (lp != null) logprobs = lp;
            Boolean e = Params.optBool(body, "echo", "echo");
            echo = e != null && e;
        }
        return new ServeRequest.Sampling(n == null ? 1 : n, presence == null ? 0f : presence.floatValue(),
                frequency == null ? 0f : frequency.floatValue(), bias, logprobs, echo, prompts, ResponseFormat.parse(body));
    }

    /** {@code logit_bias}: {"token id": bias in [-100, 100]}; ids are checked against the vocabulary later. */
    private static Map<Integer, Float> logitBias(JsonNode lb) {
        Map<Integer, Float> out = new TreeMap<>();
        if (Params.absent(lb)) return out;
        if (!lb.isObject())
            throw ApiException.invalid("logit_bias", "invalid_type", "'logit_bias' must be an object {\"<token id>\": bias}, got " + Params.show(lb));
        for (Iterator<Map.Entry<String, JsonNode>> it = lb.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id;
            try {
                id = Integer.parseInt(e.getKey());
            } catch (NumberFormatException x) {
                throw ApiException.invalid("logit_bias", "'logit_bias' keys must be token ids, got \"" + e.getKey() + "\"");
            }
            if (id < 0) throw ApiException.invalid("logit_bias", "'logit_bias' keys must be token ids, got \"" + e.getKey() + "\"");
            JsonNode v = e.getValue();
            if (!v.isNumber() || !(v.asDouble() >= -100 && v.asDouble() <= 100))
                throw ApiException.invalid("logit_bias", "'logit_bias." + e.getKey() + "' must be a number in [-100, 100], got " + Params.show(v));
            out.put(id, (float) v.asDouble());
        }
        return out;
    }

    private static boolean allInts(JsonNode arr) {
        for (JsonNode x : arr) if (!x.isIntegralNumber() || !x.canConvertToInt()) return false;
        return true;
    }

    private static int[] ints(JsonNode arr) {
        int[] t = new int[arr.size()];
        for (int i = 0; i < t.length; i++) t[i] = arr.get(i).asInt();
        return t;
    }
}
