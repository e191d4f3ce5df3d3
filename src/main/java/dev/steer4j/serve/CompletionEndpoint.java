package dev.steer4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
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
    private final SteeringDefaults defaults;

    CompletionEndpoint(ServedModel served, Scheduler scheduler, CompletionHandler handler) {
        this.served = served;
        this.scheduler = scheduler;
        this.handler = handler;
        this.defaults = new SteeringDefaults(served.modelId(), served.options().steer(), served.options().aliases());
    }

    void handle(Context ctx, boolean chat) throws IOException, InterruptedException {
        String endpoint = chat ? "/v1/chat/completions" : "/v1/completions";
        ServerMetrics metrics = scheduler.metrics();
        long t0 = System.nanoTime();
        int status = 200;
        try {
            JsonNode body = RequestBody.json(ctx, served.options().maxBodyBytes());
            ServeRequest req = ServeRequest.parse(body, chat);
            handler.checkAllowed(req); // the client's own fields; the server's --steer and --alias steering is always allowed
            if (!defaults.isEmpty()) req = ServeRequest.parse(defaults.apply(body), chat);
            List<GenerationJob> jobs = prepareChoices(req);
            for (GenerationJob job : jobs) {
                if (!scheduler.submit(job)) {
                    for (GenerationJob j : jobs) j.cancel("rejected");
                    if (!scheduler.running() || scheduler.draining()) throw Scheduler.shuttingDown();
                    throw new ApiException(429, "the server is busy: " + served.options().maxBatch() + " requests are generating and "
                            + served.options().queueCapacity() + " are waiting (the queue limit); retry later", "rate_limit_error", null, "queue_full", 1);
                }
                watchDisconnect(ctx, job);
            }
            String modelId = defaults.modelFor(body);
            if (req.stream()) new SseWriter(jobs.getFirst(), chat, modelId).withChoices(echoText(req, 0), req.sampling().logprobs())
                    .stream(ctx, req.includeUsage());
            else respond(ctx, jobs, req, modelId);
            status = ctx.statusCode();
        } catch (ApiException e) {
            status = e.status();
            throw e;
        } catch (RuntimeException | IOException e) {
            status = 500; // what Routes answers for anything but an ApiException: counted as such, not as 200
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

    /** One job per choice: every prompt of the request times {@code n}, in OpenAI's index order. */
    private List<GenerationJob> prepareChoices(ServeRequest req) {
        List<GenerationJob> jobs = new ArrayList<>();
        int n = req.sampling().n();
        try {
            if (req.chat()) {
                for (int c = 0; c < n; c++) jobs.add(handler.prepare(req, null, c));
            } else {
                for (ServeRequest.Prompt p : req.sampling().prompts())
                    for (int c = 0; c < n; c++) jobs.add(handler.prepare(req, p, c));
            }
        } catch (RuntimeException e) {
            for (GenerationJob j : jobs) j.cancel("rejected");
            throw e;
        }
        return jobs;
    }

    /** The prompt text that {@code echo} puts before choice {@code i}'s completion, or null. */
    private String echoText(ServeRequest req, int i) {
        if (req.chat() || !req.sampling().echo()) return null;
        ServeRequest.Prompt p = req.sampling().prompts().get(i / req.sampling().n());
        return p.text() != null ? p.text() : served.model().tokenizer().decode(p.tokens());
    }

    private void respond(Context ctx, List<GenerationJob> jobs, ServeRequest req, String modelId) throws InterruptedException {
        boolean chat = req.chat();
        ConnectionProbe probe = ConnectionProbe.of(ctx, JobEvents.PROBE_INTERVAL_MS);
        List<Object> choices = new ArrayList<>();
        int promptTokens = 0, completionTokens = 0;
        java.util.Map<String, Object> steer4j = null;
        int logprobs = req.sampling().logprobs();
        var tok = served.model().tokenizer();
        for (int i = 0; i < jobs.size(); i++) {
            GenerationJob job = jobs.get(i);
            GenerationJob.Done d;
            while (true) {
                GenerationJob.Event e = JobEvents.next(job, probe);
                if (e instanceof GenerationJob.Failed f) {
                    for (GenerationJob j : jobs) j.cancel("rejected");
                    throw f.error();
                }
                if (e instanceof GenerationJob.Done done) { d = done; break; }
            }
            if (i % req.sampling().n() == 0) promptTokens += d.promptTokens();
            completionTokens += d.completionTokens();
            if (steer4j == null) steer4j = d.steer4j();
            if (chat) {
                choices.add(new OpenAiShapes.ChatChoice(i, new OpenAiShapes.Message("assistant", d.text()),
                        logprobs >= 0 ? LogprobShapes.chat(d.logprobs(), tok) : null, d.finishReason()));
            } else {
                String echo = echoText(req, i);
                String text = echo == null ? d.text() : echo + d.text();
                choices.add(new OpenAiShapes.TextChoice(i, text,
                        logprobs >= 0 ? LogprobShapes.completion(d.logprobs(), tok, echo == null ? 0 : echo.length(), logprobs > 0) : null, d.finishReason()));
            }
        }
        Json.respond(ctx, 200, new OpenAiShapes.Completion(jobs.getFirst().id, chat ? "chat.completion" : "text_completion",
                System.currentTimeMillis() / 1000, modelId, choices,
                new OpenAiShapes.Usage(promptTokens, completionTokens, promptTokens + completionTokens), steer4j));
    }
}
