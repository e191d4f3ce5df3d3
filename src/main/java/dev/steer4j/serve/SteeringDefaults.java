package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Server-side steering for clients that cannot send steer4j's fields: {@code serve --steer NAME:COEF[:LAYERS]}
 * steers every request on the base model, and {@code serve --alias ID=NAME:COEF[:LAYERS][,...]} publishes a steered
 * variant as its own model id, chosen by the request's {@code model} field alone. Both become {@code steering} items
 * placed before the request's own, so they go through the same validation as any request.
 */
final class SteeringDefaults {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private final String baseId;
    private final ArrayNode base;
    private final Map<String, ArrayNode> aliases = new LinkedHashMap<>();

    SteeringDefaults(String baseId, List<String> steer, Map<String, String> aliasSpecs) {
        this.baseId = baseId;
        this.base = F.arrayNode();
        for (String s : steer) base.add(item(s, "--steer"));
        for (Map.Entry<String, String> e : aliasSpecs.entrySet()) {
            String id = e.getKey();
            if (id.isBlank() || id.equals(baseId))
                throw new IllegalArgumentException("--alias '" + id + "=" + e.getValue() + "': the alias must be a new model id, not '" + baseId + "'");
            ArrayNode items = F.arrayNode();
            for (String part : e.getValue().split(",")) items.add(item(part, "--alias " + id));
            aliases.put(id, items);
        }
    }

    /** {@code NAME:COEF[:LAYERS]} with LAYERS {@code A-B}, {@code L} or negative from the end ({@code -2--1}), as a {@code steering[]} item. */
    static ObjectNode item(String spec, String option) {
        String form = "NAME:COEF[:LAYERS], e.g. happy:1.5, happy:1.5:2-4 or happy:1.5:-2--1";
        String[] p = spec.trim().split(":");
        if (p.length < 2 || p.length > 3 || p[0].isBlank())
            throw new IllegalArgumentException(option + " '" + spec + "': expected " + form);
        ObjectNode o = F.objectNode();
        o.put("vector", p[0].trim());
        try {
            double c = Double.parseDouble(p[1].trim());
            if (!Double.isFinite(c)) throw new NumberFormatException();
            o.put("coefficient", c);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " '" + spec + "': COEF '" + p[1] + "' is not a number (expected " + form + ")");
        }
        if (p.length == 3) {
            String l = p[2].trim();
            try {
                o.put("layers", dev.steer4j.util.LayerList.parse(l).toString());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " '" + spec + "': LAYERS: " + e.getMessage() + " (expected " + form + ")");
            }
        }
        return o;
    }

    boolean isEmpty() {
        return base.isEmpty() && aliases.isEmpty();
    }

    /** The published model ids besides the base one, each with its steering as given. */
    Map<String, ArrayNode> aliases() {
        return aliases;
    }

    ArrayNode base() {
        return base;
    }

    /** The model id a response names: the alias the body asks for, else the base model's id. */
    String modelFor(JsonNode body) {
        JsonNode m = body == null ? null : body.get("model");
        return m != null && m.isTextual() && aliases.containsKey(m.asText()) ? m.asText() : baseId;
    }

    /** The body with the steering of the model it names (an alias, else the base model's) placed before its own. */
    JsonNode apply(JsonNode body) {
        if (body == null || !body.isObject()) return body;
        JsonNode m = body.get("model");
        ArrayNode pre = m != null && m.isTextual() && aliases.containsKey(m.asText()) ? aliases.get(m.asText()) : base;
        if (pre.isEmpty()) return body;
        ObjectNode out = ((ObjectNode) body).deepCopy();
        ArrayNode steering = F.arrayNode();
        steering.addAll(pre.deepCopy());
        JsonNode own = body.get("steering");
        if (own != null && own.isArray()) steering.addAll((ArrayNode) own.deepCopy());
        else if (own != null && !own.isNull()) return body; // a malformed 'steering' is reported as the client wrote it
        out.set("steering", steering);
        return out;
    }
}
