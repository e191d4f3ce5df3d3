package dev.steer4j.serve;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Map;

/** The OpenAI-compatible response bodies as records, serialised by {@link Json#MAPPER} in component order. */
final class OpenAiShapes {
    private OpenAiShapes() {}

    /** {@code {"object": "list", "data": [...]}} */
    record ListOf<T>(String object, List<T> data) {
        static <T> ListOf<T> of(List<T> data) { return new ListOf<>("list", data); }
    }

    record ModelObject(String id, String object, long created, @JsonProperty("owned_by") String ownedBy, ModelDetails steer4j) {}

    record ModelDetails(String architecture, int layers, @JsonProperty("n_embd") int nEmbd,
                        @JsonProperty("context_length") int contextLength, @JsonProperty("chat_template") String chatTemplate) {}

    record Health(String status, String model, @JsonProperty("active_requests") int activeRequests,
                  @JsonProperty("queue_depth") int queueDepth, @JsonProperty("max_batch") int maxBatch,
                  @JsonProperty("client_steering") boolean clientSteering, @JsonProperty("context_length") int contextLength) {}

    record Usage(@JsonProperty("prompt_tokens") int promptTokens, @JsonProperty("completion_tokens") int completionTokens,
                 @JsonProperty("total_tokens") int totalTokens) {
        static Usage of(GenerationJob.Done d) {
            return new Usage(d.promptTokens(), d.completionTokens(), d.promptTokens() + d.completionTokens());
        }
    }

    /** A blocking completion ({@code text_completion} or {@code chat.completion}). */
    record Completion(String id, String object, long created, String model, List<Object> choices, Usage usage, Map<String, Object> steer4j) {}

    /** A streamed chunk; {@code usage} and {@code steer4j} appear only on the chunks that carry them. */
    record Chunk(String id, String object, long created, String model, List<Object> choices,
                 @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage,
                 @JsonInclude(JsonInclude.Include.NON_NULL) Map<String, Object> steer4j) {}

    record TextChoice(int index, String text, Object logprobs, @JsonProperty("finish_reason") String finishReason) {}

    record ChatChoice(int index, Message message, Object logprobs, @JsonProperty("finish_reason") String finishReason) {}

    record ChatChunkChoice(int index, Delta delta, Object logprobs, @JsonProperty("finish_reason") String finishReason) {}

    record Message(String role, String content) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Delta(String role, String content) {}

    /** A library entry as listed: no norms (the file is not read). */
    record VectorEntry(String id, String object, List<Integer> layers, @JsonProperty("n_embd") int nEmbd, String method, long bytes) {}

    /** One vector read from the library, with each layer's L2 norm (4 decimals). */
    record VectorDetail(String id, String object, List<Integer> layers, @JsonProperty("n_embd") int nEmbd, String method, Map<String, Double> norms) {}

    record Deleted(String id, String object, boolean deleted) {}

    record GuardInfo(boolean enabled, List<DetectorInfo> detectors) {}

    record DetectorInfo(String name, int layer, double threshold, String policy) {}
}
