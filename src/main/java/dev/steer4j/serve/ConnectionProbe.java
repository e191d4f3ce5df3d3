package dev.steer4j.serve;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Notices that the client of a blocking (non-streamed) HTTP/1.x request has closed its connection while the
 * generation runs.
 *
 * <p>Jetty reads an HTTP/1.x connection only when the handler asks for request content, so once the body is read it
 * cannot see the client's FIN until the response is written. A non-streamed generation would then run to
 * {@code max_tokens} for nobody. This probe makes a non-blocking read on the connection's end point between events:
 * <ul>
 *   <li>{@code -1} (or an I/O error) means the client closed: the caller cancels the generation;</li>
 *   <li>{@code 0} means nothing arrived: the client is still waiting;</li>
 *   <li>bytes mean a pipelined next request. They cannot be handed back to Jetty, so the probe stops and the response
 *       carries {@code Connection: close}; RFC 9112 §9.3.2 tells a pipelining client to retry requests left unanswered
 *       on a closed connection. No common client pipelines.</li>
 * </ul>
 * Probes are at most one interval apart. Only HTTP/1.0 and HTTP/1.1 requests whose body has been read are probed;
 * anything else gets a probe that never fires.
 */
final class ConnectionProbe {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionProbe.class);
    private static final ConnectionProbe NONE = new ConnectionProbe(null, null, 0);

    private final EndPoint endPoint;
    private final Context ctx;
    private final ByteBuffer scratch;
    private final long intervalNanos;
    private long lastProbeNanos;
    private boolean stopped;

    private ConnectionProbe(EndPoint endPoint, Context ctx, long intervalMillis) {
        this.endPoint = endPoint;
        this.intervalNanos = intervalMillis * 1_000_000L;
        this.lastProbeNanos = System.nanoTime() - intervalNanos;
        this.ctx = ctx;
        this.scratch = endPoint == null ? null : ByteBuffer.allocate(512);
        this.stopped = endPoint == null;
    }

    /** A probe on this request's connection, or one that never fires where probing is not safe. */
    static ConnectionProbe of(Context ctx, long intervalMillis) {
        String protocol = ctx.req().getProtocol();
        if (!"HTTP/1.1".equals(protocol) && !"HTTP/1.0".equals(protocol)) return NONE;
        try {
            ServletContextRequest core = ServletContextRequest.getServletContextRequest(ctx.req());
            EndPoint ep = core == null ? null : core.getConnectionMetaData().getConnection().getEndPoint();
            return ep == null ? NONE : new ConnectionProbe(ep, ctx, intervalMillis);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("no connection probe: {}", e.toString());
            return NONE;
        }
    }

    /**
     * True once the client has closed the connection (or it failed); never blocks. Probes at most once per interval,
     * so it can be called on every event.
     */
    boolean clientGone() {
        if (stopped) return false;
        long now = System.nanoTime();
        if (now - lastProbeNanos < intervalNanos) return false;
        lastProbeNanos = now;
        if (!endPoint.isOpen() || endPoint.isInputShutdown()) return true;
        try {
            scratch.clear().flip(); // Jetty fills from the limit: an empty buffer in flush mode
            int n = endPoint.fill(scratch);
            if (n < 0) return true;
            if (n > 0) {
                stopped = true;
                ctx.header("Connection", "close");
                LOG.debug("pipelined bytes arrived during a blocking request; this response closes the connection");
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }
}
