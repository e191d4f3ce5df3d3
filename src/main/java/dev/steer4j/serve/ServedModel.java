package dev.steer4j.serve;

import dev.steer4j.guard.Guard;
import dev.steer4j.model.ChatTemplate;
import dev.steer4j.model.Model;

/**
 * What every route reads about the model being served: the model, its id and chat template, the server's options,
 * the vector library and the guard (null when off).
 */
record ServedModel(Model model, String modelId, ChatTemplate template, ServeOptions options, VectorLibrary library,
                   Guard guard, long startedAt) {

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
