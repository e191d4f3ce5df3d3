package dev.steer4j.serve;

import dev.steer4j.model.ChatTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steer4j.steer.SteeringSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed and validated {@code /v1/completions} or {@code /v1/chat/completions} body: the OpenAI fields steer4j
 * implements plus its own extensions (the steering fields of {@link SteeringBody}, and {@code projection}).
 */
record ServeRequest(
        boolean chat,
        String prompt,
        int[] promptTokens,
        List<ChatTemplate.Message> messages,
        Integer maxTokens,
        float temperature,
        float topP,
        Long seed,
        List<String> stop,
        boolean stream,
        boolean includeUsage,
        SteeringBody.Parsed steering,
        ProjectionSpec projection) {

    /** Per-token projection on a vector's direction at a layer, or on a guard detector's. */
    record ProjectionSpec(SteeringSpec.Ref vector, String detector, Integer layer) {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    static ServeRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject())
            throw ApiException.invalid(null, "invalid_json", "the request body must be a JSON object, got " + (body == null ? "nothing" : Params.show(body)));
        Params.optString(body, "model", "model");
        Params.optString(body, "user", "user");
        String prompt = null;
        int[] promptTokens = null;
        List<ChatTemplate.Message> messages = null;
        if (chat) {
            messages = messages(body.get("messages"));
        } else {
            JsonNode p = body.get("prompt");
            if (Params.absent(p)) throw ApiException.invalid("prompt", "missing_parameter", "'prompt' is required");
            if (p.isTextual()) prompt = p.asText();
            else if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) prompt = p.get(0).asText();
            else if (p.isArray() && !p.isEmpty() && allInts(p)) {
                promptTokens = new int[p.size()];
                for (int i = 0; i < p.size(); i++) promptTokens[i] = p.get(i).asInt();
            } else if (p.isArray() && p.size() > 1)
                throw ApiException.invalid("prompt", "unsupported_parameter", "'prompt' may be one string or one array of token ids; batches of " + p.size() + " prompts are not supported (send one request each)");
            else throw ApiException.invalid("prompt", "invalid_type", "'prompt' must be a string or an array of token ids, got " + Params.show(p));
            Params.neutral(body, "echo", F.booleanNode(false));
            Params.neutral(body, "best_of", F.numberNode(1));
            Params.neutral(body, "suffix", F.textNode(""));
            Params.neutral(body, "logprobs", F.numberNode(0));
        }
        Integer maxTokens = Params.optInt(body, chat && body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                chat && body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", 0, Integer.MAX_VALUE);
        Double temperature = Params.optDouble(body, "temperature", "temperature", 0, 2, false);
        Double topP = Params.optDouble(body, "top_p", "top_p", 0, 1, true);
        Long seed = Params.optLong(body, "seed", "seed");
        List<String> stop = Params.stops(body);
        Boolean stream = Params.optBool(body, "stream", "stream");
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (!Params.absent(so)) {
            if (!so.isObject()) throw ApiException.invalid("stream_options", "invalid_type", "'stream_options' must be an object, got " + Params.show(so));
            Boolean iu = Params.optBool(so, "include_usage", "stream_options.include_usage");
            includeUsage = iu != null && iu;
        }
        Params.neutral(body, "n", F.numberNode(1));
        Params.neutral(body, "presence_penalty", F.numberNode(0));
        Params.neutral(body, "frequency_penalty", F.numberNode(0));
        JsonNode lb = body.get("logit_bias");
        if (!Params.absent(lb) && !(lb.isObject() && lb.isEmpty()))
            throw ApiException.invalid("logit_bias", "unsupported_parameter", "'logit_bias' is not supported by steer4j");
        if (chat) {
            Params.neutral(body, "logprobs", F.booleanNode(false));
            JsonNode tools = body.get("tools");
            if (!Params.absent(tools) && !(tools.isArray() && tools.isEmpty()))
                throw ApiException.invalid("tools", "unsupported_parameter", "'tools' (function calling) is not supported by steer4j");
            JsonNode rf = body.get("response_format");
            if (!Params.absent(rf) && !(rf.isObject() && "text".equals(rf.path("type").asText())))
                throw ApiException.invalid("response_format", "unsupported_parameter", "'response_format' other than {\"type\": \"text\"} is not supported by steer4j");
        }

        SteeringBody.Parsed steering = SteeringBody.parse(body);
        ProjectionSpec projection = projection(body.get("projection"));
        return new ServeRequest(chat, prompt, promptTokens, messages, maxTokens,
                temperature == null ? 1f : temperature.floatValue(), topP == null ? 1f : topP.floatValue(), seed, stop,
                stream != null && stream, includeUsage, steering, projection);
    }

    private static boolean allInts(JsonNode arr) {
        for (JsonNode x : arr) if (!x.isIntegralNumber() || !x.canConvertToInt()) return false;
        return true;
    }

    private static List<ChatTemplate.Message> messages(JsonNode m) {
        if (Params.absent(m)) throw ApiException.invalid("messages", "missing_parameter", "'messages' is required");
        if (!m.isArray()) throw ApiException.invalid("messages", "invalid_type", "'messages' must be an array, got " + Params.show(m));
        if (m.isEmpty()) throw ApiException.invalid("messages", "'messages' must hold at least one message");
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            JsonNode x = m.get(i);
            String p = "messages[" + i + "]";
            if (!x.isObject()) throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be an object, got " + Params.show(x));
            String role = Params.optString(x, "role", p + ".role");
            if (role == null) throw ApiException.invalid(p + ".role", "missing_parameter", "'" + p + ".role' is required");
            if (!List.of("system", "developer", "user", "assistant", "tool").contains(role))
                throw ApiException.invalid(p + ".role", "'" + p + ".role' must be system, developer, user, assistant or tool, got \"" + role + "\"");
            JsonNode content = x.get("content");
            String text;
            if (Params.absent(content)) text = "";
            else if (content.isTextual()) text = content.asText();
            else if (content.isArray()) {
                StringBuilder sb = new StringBuilder();
                for (int k = 0; k < content.size(); k++) {
                    JsonNode part = content.get(k);
                    String pp = p + ".content[" + k + "]";
                    if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual())
                        throw ApiException.invalid(pp, "unsupported_parameter", "'" + pp + "' must be {\"type\": \"text\", \"text\": ...}; steer4j serves text models only");
                    sb.append(part.get("text").asText());
                }
                text = sb.toString();
            } else throw ApiException.invalid(p + ".content", "invalid_type", "'" + p + ".content' must be a string or an array of text parts, got " + Params.show(content));
            out.add(new ChatTemplate.Message(role.equals("developer") ? "system" : role, text));
        }
        return out;
    }

    private static ProjectionSpec projection(JsonNode p) {
        if (Params.absent(p)) return null;
        if (!p.isObject()) throw ApiException.invalid("projection", "invalid_type", "'projection' must be {\"vector\": ..., \"layer\": L} or {\"detector\": name}, got " + Params.show(p));
        String det = Params.optString(p, "detector", "projection.detector");
        Integer layer = Params.optInt(p, "layer", "projection.layer", 0, 1 << 20);
        if (det != null) {
            if (p.has("vector")) throw ApiException.invalid("projection", "'projection' takes either 'vector' or 'detector', not both");
            return new ProjectionSpec(null, det, null);
        }
        return new ProjectionSpec(VectorRef.parse(p.get("vector"), "projection.vector"), null, layer);
    }
}
