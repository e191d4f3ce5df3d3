package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;

/**
 * The HTTP side of {@code /v1/completions} and {@code /v1/chat/completions}: reads the body, queues the job on the
 * {@link Scheduler} (429 when full), then answers it blocking or as SSE, and counts it in the metrics.
 */
final class CompletionEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(CompletionEndpoint.class);

    private final ServedModel served;
    private final Scheduler scheduler;
    private final CompletionHandler handler;

    CompletionEndpoint(ServedModel served, Scheduler scheduler, CompletionHandler handler) {
        this.served = served;
        this.scheduler = scheduler;
        this.handler = handler;
    }

    void handle(Context ctx, boolean chat) throws IOException, InterruptedException {
        String endpoint = chat ? "/v1/chat/completions" : "/v1/completions";
        ServerMetrics metrics = scheduler.metrics();
        long t0 = System.nanoTime();
        int status = 200;
        try {
            JsonNode body = RequestBody.json(ctx, served.options().maxBodyBytes());
            ServeRequest req = ServeRequest.parse(body, chat);
            handler.checkAllowed(req);
            GenerationJob job = handler.prepare(req);
            if (!scheduler.submit(job)) {
                job.cancel("rejected");
                if (!scheduler.running()) throw Scheduler.shuttingDown();
                throw new ApiException(429, "the server is busy: " + served.options().maxBatch() + " requests are generating and "
                        + served.options().queueCapacity() + " are waiting (the queue limit); retry later", "rate_limit_error", null, "queue_full", 1);
            }
            watchDisconnect(ctx, job);
            if (req.stream()) new SseWriter(job, chat, served.modelId()).stream(ctx, req.includeUsage());
            else respond(ctx, job, chat);
            status = ctx.statusCode();
        } catch (ApiException e) {
            status = e.status();
            throw e;
        } finally {
            metrics.requests.labelValues(endpoint, String.valueOf(status)).inc();
            metrics.requestSeconds.labelValues(endpoint).observe((System.nanoTime() - t0) / 1e9);
        }
    }

    /**
     * Cancels the generation when Jetty reports the request's connection as failed. Over HTTP/1.1 Jetty does not read
     * the connection while a handler runs, so a client that simply closes is noticed by a streamed response's next
     * write (see {@link SseWriter}) and by a blocking request's {@link ConnectionProbe}.
     */
    private static void watchDisconnect(Context ctx, GenerationJob job) {
        try {
            var core = org.eclipse.jetty.ee10.servlet.ServletContextRequest.getServletContextRequest(ctx.req());
            if (core != null) core.addFailureListener(t -> job.cancel("disconnect"));
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("no disconnect listener: {}", e.toString());
        }
    }

    private void respond(Context ctx, GenerationJob job, boolean chat) throws InterruptedException {
        ConnectionProbe probe = ConnectionProbe.of(ctx, JobEvents.PROBE_INTERVAL_MS);
        while (true) {
            GenerationJob.Event e = JobEvents.next(job, probe);
            if (e instanceof GenerationJob.Failed f) throw f.error();
            if (e instanceof GenerationJob.Done d) {
                Object choice = chat
                        ? new OpenAiShapes.ChatChoice(0, new OpenAiShapes.Message("assistant", d.text()), null, d.finishReason())
                        : new OpenAiShapes.TextChoice(0, d.text(), null, d.finishReason());
                Json.respond(ctx, 200, new OpenAiShapes.Completion(job.id, chat ? "chat.completion" : "text_completion",
                        System.currentTimeMillis() / 1000, served.modelId(), List.of(choice), OpenAiShapes.Usage.of(d), d.steer4j()));
                return;
            }
        }
    }
}
