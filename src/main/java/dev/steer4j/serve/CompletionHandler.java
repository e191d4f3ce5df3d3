package dev.steer4j.serve;

import dev.steer4j.model.ChatTemplate;
import dev.steer4j.model.Model;
import dev.steer4j.runtime.GenerationConfig;
import dev.steer4j.runtime.JsonConstraint;
import dev.steer4j.runtime.SequenceState;
import dev.steer4j.steer.Steering;
import dev.steer4j.tokenizer.Tokenizer;

import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * Turns a parsed completion request into a {@link GenerationJob}, without HTTP: tokenises the prompt, enforces the
 * request limits (prompt length, {@code max_tokens}, context length), attaches the guard, the request's steering,
 * the embedder's hooks and the projection probe.
 */
final class CompletionHandler {
    private final ServedModel served;
    private final RequestSteering steering;
    private final List<Consumer<SequenceState>> requestHooks;

    CompletionHandler(ServedModel served, List<Consumer<SequenceState>> requestHooks) {
        this.served = served;
        this.steering = new RequestSteering(served);
        this.requestHooks = requestHooks;
    }

    /** 403 when the server refuses client steering and the request asks for some. */
    void checkAllowed(ServeRequest req) {
        if (served.options().clientSteering()) return;
        var spec = req.steering().spec();
        String field = !spec.adds().isEmpty() ? "steering" : !spec.clamps().isEmpty() ? "clamp" : !spec.ablations().isEmpty() ? "ablate"
                : !spec.conditions().isEmpty() ? "condition" : !spec.refts().isEmpty() ? "reft" : null;
        if (field != null) throw ServedModel.clientSteeringDisabled(field, "'" + field + "'");
    }

    GenerationJob prepare(ServeRequest req) {
        return prepare(req, req.chat() ? null : req.sampling().prompts().getFirst(), 0);
    }

    /**
     * The job of one choice: {@code prompt} is one of a completions request's prompts (null for chat), and
     * {@code choice} offsets the request's seed, so that {@code n} choices with one seed differ and reproduce.
     */
    GenerationJob prepare(ServeRequest req, ServeRequest.Prompt prompt, int choice) {
        boolean chat = req.chat();
        Model model = served.model();
        ServeOptions options = served.options();
        Tokenizer tokenizer = model.tokenizer();
        int ctxLen = model.config().contextLength();
        String promptParam = chat ? "messages" : "prompt";
        int[] tokens;
        if (chat) tokens = chatTokens(req.messages());
        else if (prompt.tokens() != null) {
            tokens = prompt.tokens();
            for (int i = 0; i < tokens.length; i++)
                if (tokens[i] < 0 || tokens[i] >= model.config().vocabSize())
                    throw ApiException.invalid("prompt", "'prompt[" + i + "]' = " + tokens[i] + " is not a token id (the vocabulary has ids 0-" + (model.config().vocabSize() - 1) + ")");
        } else tokens = tokenizer.encode(prompt.text());
        if (tokens.length == 0) throw ApiException.invalid(promptParam, "the prompt is empty (no tokens)");
        int promptLimit = Math.min(options.maxPromptTokens(), ctxLen - 1);
        if (tokens.length > promptLimit)
            throw ApiException.invalid(promptParam, "prompt_too_long", "the prompt is " + tokens.length + " tokens, over the limit of " + promptLimit
                    + " tokens (max_prompt_tokens" + (promptLimit < options.maxPromptTokens() ? ", the model's context length " + ctxLen + " minus 1" : "") + ")");
        int maxTokens = maxTokens(req, tokens.length, ctxLen);
        long seed = req.seed() != null ? req.seed() + choice : ThreadLocalRandom.current().nextLong();
        ServeRequest.Sampling sm = req.sampling();
        GenerationConfig cfg = new GenerationConfig(maxTokens, req.temperature(), 0, req.topP(), 0f, 1f, 64, seed, req.stop(), true,
                sm.presencePenalty(), sm.frequencyPenalty(), sm.logitBias(), sm.logprobs());
        for (int id : sm.logitBias().keySet())
            if (id >= model.config().vocabSize())
                throw ApiException.invalid("logit_bias", "'logit_bias' token id " + id + " is not in the vocabulary (ids 0-" + (model.config().vocabSize() - 1) + ")");
        SequenceState seq = new SequenceState(model, tokens.length + maxTokens);
        seq.setPromptLength(tokens.length);
        String id = (chat ? "chatcmpl-" : "cmpl-") + HexFormat.of().formatHex(randomBytes(12));
        GenerationJob job = new GenerationJob(id, chat ? "chat" : "completions", tokens, seq, cfg, tokenizer, options.requestTimeout().toNanos());
        if (sm.format() == ResponseFormat.JSON_OBJECT) {
            job.constraint = JsonConstraint.object(tokenizer);
            job.sampler.constrain(job.constraint);
        }

        // The guard reads the prompt first, before any request steering at its layer.
        if (served.guard() != null && !served.guard().isEmpty()) {
            try {
                job.guard = served.guard().attach(seq, served.library()::get);
            } catch (IllegalArgumentException e) {
                throw new ApiException(500, "the guard cannot run: " + e.getMessage(), "server_error", null, "guard_error");
            }
        }
        Steering s = steering.build(req, job.echo);
        if (!s.isEmpty()) {
            try {
                job.steering = s.applyTo(seq);
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid("steering", "invalid_steering", e.getMessage());
            }
        }
        for (Consumer<SequenceState> h : requestHooks) h.accept(seq);
        if (req.projection() != null) {
            job.probe = steering.probe(req.projection());
            job.probe.attach(seq);
        }
        return job;
    }

    /** The request's {@code max_tokens} within the server's limit and the context, or the default for the endpoint. */
    private int maxTokens(ServeRequest req, int promptTokens, int ctxLen) {
        ServeOptions options = served.options();
        if (req.maxTokens() == null)
            return Math.min(Math.min(req.chat() ? options.defaultMaxTokens() : 16, ctxLen - promptTokens), options.maxTokens());
        int maxTokens = req.maxTokens();
        if (maxTokens > options.maxTokens())
            throw ApiException.invalid("max_tokens", "max_tokens_too_large", "'max_tokens' is " + maxTokens + ", over the server's limit of " + options.maxTokens() + " (max_tokens limit)");
        if (promptTokens + maxTokens > ctxLen)
            throw ApiException.invalid("max_tokens", "context_length_exceeded", "the prompt (" + promptTokens + " tokens) plus 'max_tokens' (" + maxTokens
                    + ") is over the model's context length of " + ctxLen + " tokens");
        return maxTokens;
    }

    private int[] chatTokens(List<ChatTemplate.Message> messages) {
        ChatTemplate template = served.template();
        Tokenizer tokenizer = served.model().tokenizer();
        String text;
        try {
            text = template.render(messages);
        } catch (ChatTemplate.ChatTemplateException e) {
            throw new ApiException(400, e.getMessage(), "invalid_request_error", "messages", "chat_template_error");
        }
        if (template.isFallback()) return tokenizer.encode(text);
        boolean bos = tokenizer.addBosByDefault() && (template.bosToken().isEmpty() || !text.startsWith(template.bosToken()));
        return tokenizer.encode(text, bos, false, true);
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        return b;
    }
}
