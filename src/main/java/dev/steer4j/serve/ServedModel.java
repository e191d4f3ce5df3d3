package dev.steer4j.serve;

import dev.steer4j.guard.Guard;
import dev.steer4j.model.ChatTemplate;
import dev.steer4j.model.Model;

/**
 * What every route reads about the model being served: the model, its id and chat template, the server's options,
 * the vector library, the guard (null when off) and the ReFT interventions requests may select by name.
 */
record ServedModel(Model model, String modelId, ChatTemplate template, ServeOptions options, VectorLibrary library,
                   Guard guard, long startedAt, java.util.Map<String, dev.steer4j.steer.ReftIntervention> refts) {

    ServedModel {
        refts = refts == null ? java.util.Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(refts));
    }

    /** A served model without ReFT interventions. */
    ServedModel(Model model, String modelId, ChatTemplate template, ServeOptions options, VectorLibrary library, Guard guard, long startedAt) {
        this(model, modelId, template, options, library, guard, startedAt, null);
    }

    /** 403 for a request that would change the model while the server runs with {@code --no-client-steering}. */
    static ApiException clientSteeringDisabled(String param, String what) {
        return new ApiException(403, what + " not allowed: this server runs with --no-client-steering, so clients cannot "
                + "change the model's activations", "permission_error", param, "client_steering_disabled");
    }

    /** The model file's name without {@code .gguf} (general.name is often just the architecture). */
    static String idOf(Model m) {
        if (m.file() != null && m.file().path() != null) {
            String f = m.file().path().getFileName().toString();
            return f.endsWith(".gguf") ? f.substring(0, f.length() - 5) : f;
        }
        String n = m.config().name();
        return n == null || n.isBlank() ? "model" : n;
    }
}
