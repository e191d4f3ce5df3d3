package dev.steer4j.serve;

import dev.steer4j.model.ChatTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steer4j.steer.SteeringSpec;
import dev.steer4j.util.LayerList;

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
        ProjectionSpec projection,
        Sampling sampling) {

    /**
     * The OpenAI sampling and choice fields beyond temperature and top_p: {@code n}, penalties, {@code logit_bias},
     * {@code logprobs} (-1 off, else the number of alternatives), {@code echo}, every prompt of a prompt array, and
     * {@code response_format}.
     */
    record Sampling(int n, float presencePenalty, float frequencyPenalty, java.util.Map<Integer, Float> logitBias,
                    int logprobs, boolean echo, List<Prompt> prompts, ResponseFormat format) {}

    /** One prompt of a {@code /v1/completions} request: text or token ids. */
    record Prompt(String text, int[] tokens) {}

    /** Per-token projection on a vector's direction at a layer (or at each of its layers in {@code layers}), or on a guard detector's. */
    record ProjectionSpec(SteeringSpec.Ref vector, String detector, Integer layer, LayerList layers) {}

    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    static ServeRequest parse(JsonNode body, boolean chat) {
        if (body == null || !body.isObject())
            throw ApiException.invalid(null, "invalid_json", "the request body must be a JSON object, got " + (body == null ? "nothing" : Params.show(body)));
        Params.optString(body, "model", "model");
        Params.optString(body, "user", "user");
        String prompt = null;
        int[] promptTokens = null;
        List<ChatTemplate.Message> messages = null;
        List<Prompt> prompts = List.of();
        if (chat) {
            messages = messages(body.get("messages"));
        } else {
            JsonNode p = body.get("prompt");
            prompts = SamplingFields.prompts(p);
            prompt = prompts.getFirst().text();
            promptTokens = prompts.getFirst().tokens();
            Params.neutral(body, "best_of", F.numberNode(1));
            Params.neutral(body, "suffix", F.textNode(""));
        }
        Integer maxTokens = Params.optInt(body, chat && body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens",
                chat && body.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens", 0, Integer.MAX_VALUE);
        Double temperature = Params.optDouble(body, "temperature", "temperature", 0, 2, false);
        Double topP = Params.optDouble(body, "top_p", "top_p", 0, 1, true);
        if (topP != null && topP.floatValue() == 0f) // e.g. 1e-300: positive as a double, 0 as the sampler's float
            throw ApiException.invalid("top_p", "'top_p' must be in (0, 1] and at least " + Float.MIN_VALUE + ", got " + Params.show(body.get("top_p")));
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
        Sampling sampling = SamplingFields.parse(body, chat, prompts, stream != null && stream);
        if (chat) {
            JsonNode tools = body.get("tools");
            if (!Params.absent(tools) && !(tools.isArray() && tools.isEmpty()))
                throw ApiException.invalid("tools", "unsupported_parameter", "'tools' (function calling) is not supported by steer4j");
        }

        SteeringBody.Parsed steering = SteeringBody.parse(body);
        ProjectionSpec projection = projection(body.get("projection"));
        return new ServeRequest(chat, prompt, promptTokens, messages, maxTokens,
                temperature == null ? 1f : temperature.floatValue(), topP == null ? 1f : topP.floatValue(), seed, stop,
                stream != null && stream, includeUsage, steering, projection, sampling);
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
        String ls = Params.optString(p, "layers", "projection.layers");
        LayerList layers = null;
        if (ls != null) {
            if (layer != null || det != null) throw ApiException.invalid("projection.layers", "'projection.layers' goes with 'vector' alone, not with 'layer' or 'detector'");
            try {
                layers = SteeringSpec.parseLayers(ls);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("projection.layers", "'projection.layers': " + e.getMessage());
            }
        }
        if (det != null) {
            if (p.has("vector")) throw ApiException.invalid("projection", "'projection' takes either 'vector' or 'detector', not both");
            return new ProjectionSpec(null, det, null, null);
        }
        return new ProjectionSpec(VectorRef.parse(p.get("vector"), "projection.vector"), null, layer, layers);
    }
}
