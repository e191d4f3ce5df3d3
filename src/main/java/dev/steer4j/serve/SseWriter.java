package dev.steer4j.serve;

import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** Streams a job as server-sent events: OpenAI chunks, the {@code steer4j} field, optional usage, then {@code [DONE]}. */
final class SseWriter {
    private static final Logger LOG = LoggerFactory.getLogger(SseWriter.class);

    private final GenerationJob job;
    private final boolean chat;
    private final String modelId;
    private final long created = System.currentTimeMillis() / 1000;
    private String echo;
    private int logprobs = -1;
    /** Where the next streamed token starts in the whole text (echo included), as the blocking answer's text_offset counts. */
    private int textOffset;

    SseWriter(GenerationJob job, boolean chat, String modelId) {
        this.job = job;
        this.chat = chat;
        this.modelId = modelId;
    }

    /** {@code echo}: prompt text sent before the completion (completions only, or null); {@code logprobs}: -1 off, else alternatives per token. */
    SseWriter withChoices(String echo, int logprobs) {
        this.echo = echo;
        this.logprobs = logprobs;
        this.textOffset = echo == null ? 0 : echo.length();
        return this;
    }

    void stream(Context ctx, boolean includeUsage) throws InterruptedException {
        // Wait for the prompt to run before committing to 200, so early failures still get their status code.
        GenerationJob.Event first = JobEvents.next(job);
        if (first instanceof GenerationJob.Failed f) throw f.error();
        ctx.status(200);
        ctx.contentType("text/event-stream; charset=utf-8");
        ctx.header("Cache-Control", "no-cache");
        ctx.header("X-Accel-Buffering", "no");
        try {
            OutputStream out = ctx.res().getOutputStream();
            GenerationJob.Event e = first;
            boolean firstChunk = true;
            while (true) {
                switch (e) {
                    case GenerationJob.Prefilled p -> {
                        send(out, chunk(echo == null ? "" : echo, true, null, null, p.steer4j(), List.of()));
                        firstChunk = false;
                    }
                    case GenerationJob.Delta d -> {
                        send(out, chunk(d.text(), firstChunk, null, null, null, d.logprobs()));
                        firstChunk = false;
                    }
                    case GenerationJob.Done d -> {
                        send(out, chunk(chat ? null : "", false, d.finishReason(), null, d.steer4j(), job.takeLogprobs()));
                        if (includeUsage)
                            send(out, new OpenAiShapes.Chunk(job.id, object(), created, modelId, List.of(), OpenAiShapes.Usage.of(d), null));
                        done(out);
                        return;
                    }
                    case GenerationJob.Failed f -> {
                        if (!"cancelled".equals(f.error().code())) {
                            send(out, f.error().body());
                            done(out);
                        }
                        return;
                    }
                }
                e = JobEvents.next(job);
            }
        } catch (IOException io) {
            job.cancel("disconnect");
            LOG.debug("request {}: client went away: {}", job.id, io.toString());
        }
    }

    private String object() {
        return chat ? "chat.completion.chunk" : "text_completion";
    }

    private OpenAiShapes.Chunk chunk(String text, boolean role, String finish, OpenAiShapes.Usage usage, Map<String, Object> steer4j,
                                     List<dev.steer4j.runtime.TokenLogprob> lps) {
        var tok = job.tokenizer;
        Object lp = null;
        if (logprobs >= 0 && chat) lp = LogprobShapes.chat(lps, tok);
        else if (logprobs >= 0) {
            LogprobShapes.Completion c = LogprobShapes.completion(lps, tok, textOffset, logprobs > 0);
            for (String t : c.tokens()) textOffset += t.length();
            lp = c;
        }
        Object choice = chat
                ? new OpenAiShapes.ChatChunkChoice(0, new OpenAiShapes.Delta(role ? "assistant" : null, text), lp, finish)
                : new OpenAiShapes.TextChoice(0, text == null ? "" : text, lp, finish);
        return new OpenAiShapes.Chunk(job.id, object(), created, modelId, List.of(choice), usage, steer4j);
    }

    private static void send(OutputStream out, Object data) throws IOException {
        out.write(("data: " + Json.MAPPER.writeValueAsString(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void done(OutputStream out) throws IOException {
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
