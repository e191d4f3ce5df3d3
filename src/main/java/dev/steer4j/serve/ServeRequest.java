package dev.steer4j.serve;

import dev.steer4j.model.ChatTemplate;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.steer4j.steer.Condition;
import dev.steer4j.steer.ConditionRule;
import dev.steer4j.steer.PositionFilter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A parsed and validated {@code /v1/completions} or {@code /v1/chat/completions} body: the OpenAI fields steer4j
 * implements plus its own extensions ({@code steering}, {@code ablate}, {@code condition}, {@code projection}).
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
        List<SteerSpec> steering,
        List<AblateSpec> ablate,
        List<ConditionSpec> conditions,
        ConditionRule conditionRule,
        ProjectionSpec projection,
        Sampling sampling) {

    /**
     * The OpenAI sampling and choice fields beyond temperature and top_p: {@code n}, penalties, {@code logit_bias},
     * {@code logprobs} (-1 off, else the number of alternatives), {@code echo}, and every prompt of a prompt array.
     */
    record Sampling(int n, float presencePenalty, float frequencyPenalty, java.util.Map<Integer, Float> logitBias,
                    int logprobs, boolean echo, List<Prompt> prompts) {}

    /** One prompt of a {@code /v1/completions} request: text or token ids. */
    record Prompt(String text, int[] tokens) {}

    /** One {@code steering[]} item. {@code fromLayer/toLayer} bound the vector's layers (inclusive). */
    record SteerSpec(VectorRef vector, double coefficient, int fromLayer, int toLayer, PositionFilter positions) {}

    /** One {@code ablate[]} item; {@code layer} picks which of the vector's directions (null: its middle layer). */
    record AblateSpec(VectorRef vector, Integer layer) {}

    record ConditionSpec(VectorRef vector, int layer, double threshold, Condition.Comparison comparison, Condition.Aggregate aggregate) {}

    /** Per-token projection on a vector's direction at a layer, or on a guard detector's. */
    record ProjectionSpec(VectorRef vector, String detector, Integer layer) {}

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
            JsonNode rf = body.get("response_format");
            if (!Params.absent(rf) && !(rf.isObject() && "text".equals(rf.path("type").asText())))
                throw ApiException.invalid("response_format", "unsupported_parameter", "'response_format' other than {\"type\": \"text\"} is not supported by steer4j");
        }

        List<SteerSpec> steering = steering(body.get("steering"));
        List<AblateSpec> ablate = ablate(body.get("ablate"));
        List<ConditionSpec> conditions = new ArrayList<>();
        ConditionRule rule = ConditionRule.AND;
        JsonNode c = body.get("condition");
        if (!Params.absent(c)) {
            if (c.isObject()) conditions.add(condition(c, "condition"));
            else if (c.isArray()) for (int i = 0; i < c.size(); i++) conditions.add(condition(c.get(i), "condition[" + i + "]"));
            else throw ApiException.invalid("condition", "invalid_type", "'condition' must be an object or an array of objects, got " + Params.show(c));
            if (conditions.isEmpty()) throw ApiException.invalid("condition", "'condition' is an empty array");
        }
        String r = Params.optString(body, "condition_rule", "condition_rule");
        if (r != null) {
            try {
                rule = ConditionRule.parse(r);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("condition_rule", "'condition_rule' must be \"and\" or \"or\", got \"" + r + "\"");
            }
        }
        if (!conditions.isEmpty() && steering.isEmpty() && ablate.isEmpty())
            throw ApiException.invalid("condition", "'condition' gates 'steering' and 'ablate', but the request has neither");
        ProjectionSpec projection = projection(body.get("projection"));
        return new ServeRequest(chat, prompt, promptTokens, messages, maxTokens,
                temperature == null ? 1f : temperature.floatValue(), topP == null ? 1f : topP.floatValue(), seed, stop,
                stream != null && stream, includeUsage, steering, ablate, conditions, rule, projection, sampling);
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

    private static List<SteerSpec> steering(JsonNode s) {
        if (Params.absent(s)) return List.of();
        if (!s.isArray()) throw ApiException.invalid("steering", "invalid_type", "'steering' must be an array of {\"vector\", \"coefficient\", ...} objects, got " + Params.show(s));
        List<SteerSpec> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            String p = "steering[" + i + "]";
            JsonNode x = s.get(i);
            if (!x.isObject()) throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be an object, got " + Params.show(x));
            VectorRef v = VectorRef.parse(x.get("vector"), p + ".vector");
            double coef = Params.requireFinite(x, "coefficient", p + ".coefficient");
            int[] range = layers(x.get("layers"), p + ".layers");
            PositionFilter pos = PositionFilter.ALL;
            String ps = Params.optString(x, "positions", p + ".positions");
            if (ps != null) {
                try {
                    pos = PositionFilter.parse(ps);
                } catch (IllegalArgumentException e) {
                    throw ApiException.invalid(p + ".positions", "'" + p + ".positions' must be all, prompt, generated or from:K, got \"" + ps + "\"");
                }
            }
            out.add(new SteerSpec(v, coef, range[0], range[1], pos));
        }
        return out;
    }

    /** {@code layers}: [from, to] inclusive, or a single layer number; absent means every layer of the vector. */
    private static int[] layers(JsonNode l, String p) {
        if (Params.absent(l)) return new int[]{0, Integer.MAX_VALUE};
        if (l.isIntegralNumber() && l.canConvertToInt() && l.asInt() >= 0) return new int[]{l.asInt(), l.asInt()};
        if (l.isArray() && l.size() == 2 && l.get(0).isIntegralNumber() && l.get(1).isIntegralNumber()
                && l.get(0).canConvertToInt() && l.get(1).canConvertToInt()) {
            int a = l.get(0).asInt(), b = l.get(1).asInt();
            if (a < 0 || b < a) throw ApiException.invalid(p, "'" + p + "' must be [from, to] with 0 <= from <= to, got " + Params.show(l));
            return new int[]{a, b};
        }
        throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be [from, to] (inclusive layer range) or one layer number, got " + Params.show(l));
    }

    private static List<AblateSpec> ablate(JsonNode a) {
        if (Params.absent(a)) return List.of();
        if (!a.isArray()) throw ApiException.invalid("ablate", "invalid_type", "'ablate' must be an array of vector names, got " + Params.show(a));
        List<AblateSpec> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            String p = "ablate[" + i + "]";
            JsonNode x = a.get(i);
            if (x.isTextual()) out.add(new AblateSpec(VectorRef.parse(x, p), null));
            else if (x.isObject()) out.add(new AblateSpec(VectorRef.parse(x.get("vector"), p + ".vector"), Params.optInt(x, "layer", p + ".layer", 0, 1 << 20)));
            else throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be a vector name or {\"vector\": ..., \"layer\": L}, got " + Params.show(x));
        }
        return out;
    }

    private static ConditionSpec condition(JsonNode c, String p) {
        if (!c.isObject()) throw ApiException.invalid(p, "invalid_type", "'" + p + "' must be an object, got " + Params.show(c));
        VectorRef v = VectorRef.parse(c.get("vector"), p + ".vector");
        Integer layer = Params.optInt(c, "layer", p + ".layer", 0, 1 << 20);
        if (layer == null) throw ApiException.invalid(p + ".layer", "missing_parameter", "'" + p + ".layer' is required");
        Double threshold = Params.optDouble(c, "threshold", p + ".threshold", -1, 1, false);
        if (threshold == null) throw ApiException.invalid(p + ".threshold", "missing_parameter", "'" + p + ".threshold' (a cosine in [-1, 1]) is required");
        String cmp = Params.optString(c, "comparison", p + ".comparison");
        Condition.Comparison comparison = Condition.Comparison.ABOVE;
        if (cmp != null) {
            switch (cmp.toLowerCase(Locale.ROOT)) {
                case "above", ">" -> comparison = Condition.Comparison.ABOVE;
                case "below", "<" -> comparison = Condition.Comparison.BELOW;
                default -> throw ApiException.invalid(p + ".comparison", "'" + p + ".comparison' must be above or below, got \"" + cmp + "\"");
            }
        }
        String ag = Params.optString(c, "aggregate", p + ".aggregate");
        Condition.Aggregate aggregate = Condition.Aggregate.MEAN;
        if (ag != null) {
            switch (ag.toLowerCase(Locale.ROOT)) {
                case "mean" -> aggregate = Condition.Aggregate.MEAN;
                case "last" -> aggregate = Condition.Aggregate.LAST;
                default -> throw ApiException.invalid(p + ".aggregate", "'" + p + ".aggregate' must be mean or last, got \"" + ag + "\"");
            }
        }
        return new ConditionSpec(v, layer, threshold, comparison, aggregate);
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
