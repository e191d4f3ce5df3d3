package dev.steer4j.serve;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * llama-server's utility routes, so its clients work unchanged: {@code POST /tokenize}, {@code POST /detokenize}
 * and {@code GET /props} (the defaults a request without sampling fields gets, the slots, the chat template).
 */
final class LlamaServerRoutes {
    private final ServedModel served;

    LlamaServerRoutes(ServedModel served) {
        this.served = served;
    }

    record Tokens(List<Object> tokens) {}

    record Piece(int id, String piece) {}

    record Content(String content) {}

    record Props(@JsonProperty("default_generation_settings") Map<String, Object> defaults,
                 @JsonProperty("total_slots") int totalSlots, @JsonProperty("model_path") String modelPath,
                 @JsonProperty("model_alias") List<String> aliases, @JsonProperty("chat_template") String chatTemplate,
                 @JsonProperty("n_ctx") int nCtx, @JsonProperty("n_vocab") int nVocab, @JsonProperty("build_info") String buildInfo) {}

    /** {@code {"content": "text", "add_special": false, "with_pieces": false}} to {@code {"tokens": [...]}}. */
    void tokenize(Context ctx) throws IOException {
        JsonNode body = body(ctx);
        String content = Params.optString(body, "content", "content");
        if (content == null) throw ApiException.invalid("content", "missing_parameter", "'content' is required");
        Boolean special = Params.optBool(body, "add_special", "add_special");
        Boolean parse = Params.optBool(body, "parse_special", "parse_special");
        Boolean pieces = Params.optBool(body, "with_pieces", "with_pieces");
        var tok = served.model().tokenizer();
        int[] ids = tok.encode(content, special != null && special && tok.addBosByDefault(), false, parse == null || parse);
        List<Object> out = new ArrayList<>();
        for (int id : ids) out.add(pieces != null && pieces ? new Piece(id, LogprobShapes.text(tok, id)) : id);
        Json.respond(ctx, 200, new Tokens(out));
    }

    /** {@code {"tokens": [ids]}} to {@code {"content": "text"}}. */
    void detokenize(Context ctx) throws IOException {
        JsonNode body = body(ctx);
        JsonNode t = body.get("tokens");
        if (Params.absent(t)) throw ApiException.invalid("tokens", "missing_parameter", "'tokens' is required");
        if (!t.isArray()) throw ApiException.invalid("tokens", "invalid_type", "'tokens' must be an array of token ids, got " + Params.show(t));
        int vocab = served.model().config().vocabSize();
        int[] ids = new int[t.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode x = t.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToInt() || x.asInt() < 0 || x.asInt() >= vocab)
                throw ApiException.invalid("tokens", "'tokens[" + i + "]' = " + Params.show(x) + " is not a token id (the vocabulary has ids 0-" + (vocab - 1) + ")");
            ids[i] = x.asInt();
        }
        Json.respond(ctx, 200, new Content(served.model().tokenizer().decode(ids)));
    }

    Props props() {
        var o = served.options();
        var c = served.model().config();
        Map<String, Object> d = new java.util.LinkedHashMap<>();
        d.put("n_ctx", c.contextLength());
        d.put("temperature", 1.0);
        d.put("top_p", 1.0);
        d.put("n_predict", o.defaultMaxTokens());
        d.put("max_tokens_limit", o.maxTokens());
        d.put("presence_penalty", 0.0);
        d.put("frequency_penalty", 0.0);
        d.put("steering", o.steer());
        var path = served.model().file() != null && served.model().file().path() != null ? served.model().file().path().toString() : served.modelId();
        return new Props(d, o.maxBatch(), path, List.copyOf(o.aliases().keySet()),
                served.template().isFallback() ? "" : served.template().source(), c.contextLength(), c.vocabSize(), "steer4j");
    }

    private JsonNode body(Context ctx) throws IOException {
        JsonNode b = RequestBody.json(ctx, served.options().maxBodyBytes());
        if (b == null || !b.isObject())
            throw ApiException.invalid(null, "invalid_json", "the request body must be a JSON object, got " + (b == null ? "nothing" : Params.show(b)));
        return b;
    }
}
