package dev.steer4j.serve;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.TimeUnit;

/** Waits for a job's next event on the HTTP side, within the request's timeout, cancelling it when the client is gone. */
final class JobEvents {
    private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);

    /** How often a blocking request checks that its client is still connected (see {@link ConnectionProbe}). */
    static final long PROBE_INTERVAL_MS = 100;

    private JobEvents() {}

    static GenerationJob.Event next(GenerationJob job) throws InterruptedException {
        return next(job, null);
    }

    /**
     * The job's next event. With a probe, waits in slices of {@link #PROBE_INTERVAL_MS} and cancels the job as soon as
     * the client is seen to be gone; the scheduler then ends it with a "cancelled" failure.
     */
    static GenerationJob.Event next(GenerationJob job, ConnectionProbe probe) throws InterruptedException {
        long end = job.deadlineNanos + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            if (probe != null && !job.cancelled && probe.clientGone()) {
                job.cancel("disconnect");
                LOG.debug("request {}: the client closed the connection", job.id);
            }
            long wait = end - System.nanoTime();
            if (wait <= 0) {
                job.cancel("timeout");
                return new GenerationJob.Failed(new ApiException(504, "the request ran past its timeout", "timeout_error", null, "request_timeout"));
            }
            if (probe != null && !job.cancelled) wait = Math.min(wait, TimeUnit.MILLISECONDS.toNanos(PROBE_INTERVAL_MS));
            GenerationJob.Event e = job.events.poll(wait, TimeUnit.NANOSECONDS);
            if (e != null) return e;
        }
    }
}
