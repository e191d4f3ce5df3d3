package dev.steer4j.serve;

import dev.steer4j.util.SafeText;
import io.javalin.http.Context;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What a web page may do with the server. Without an API key the server is open to anything that can reach the port,
 * and a browser can reach it for any page it shows, so:
 * <ul>
 *   <li>the {@code Host} header must name this server (localhost, the bound address, the connection's local address,
 *       or an {@code --allowed-host}), which closes DNS rebinding;</li>
 *   <li>a request that changes state (anything but GET, HEAD, OPTIONS) whose {@code Origin} is not the server's own is
 *       refused unless {@code --cors-origin} allows that origin;</li>
 *   <li>POST, PUT and PATCH bodies with a Content-Type must be {@code application/json}, or a GGUF upload's
 *       {@code application/octet-stream} / {@code application/x-gguf}: the types a page can send without a CORS
 *       preflight ({@code text/plain}, forms) are refused.</li>
 * </ul>
 *
 * @param corsOrigins  origins (such as {@code http://localhost:3000}) whose pages may call the API; {@code *} allows any
 * @param allowedHosts extra host names the server answers to; {@code *} allows any
 */
public record BrowserPolicy(List<String> corsOrigins, List<String> allowedHosts) {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> LOCAL_NAMES = Set.of("localhost", "127.0.0.1", "::1", "0:0:0:0:0:0:0:1");
    private static final List<String> WRITE_TYPES = List.of("application/json", "application/octet-stream", "application/x-gguf");

    public BrowserPolicy {
        corsOrigins = corsOrigins == null ? List.of() : corsOrigins.stream().map(o -> o.endsWith("/") ? o.substring(0, o.length() - 1) : o).toList();
        allowedHosts = allowedHosts == null ? List.of() : allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
    }

    /** Only the server's own pages, only local host names and the bound address. */
    public static BrowserPolicy defaults() {
        return new BrowserPolicy(List.of(), List.of());
    }

    /** The before-handler: throws a 403 or 415 {@link ApiException}, or answers a CORS preflight of an allowed origin. */
    void check(Context ctx, String boundHost) {
        String host = ctx.header("Host");
        if (host != null && !hostAllowed(hostName(host), boundHost, ctx.req().getLocalAddr()))
            throw new ApiException(403, "host " + SafeText.quoted(host) + " is not a name of this server; start it with --allowed-host "
                    + SafeText.of(hostName(host)) + " to answer to it", "invalid_request_error", null, "host_not_allowed");
        String origin = ctx.header("Origin");
        boolean allowedOrigin = origin != null && (corsOrigins.contains("*") || corsOrigins.contains(origin));
        if (allowedOrigin) {
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Vary", "Origin");
        }
        String method = ctx.method().name();
        if (method.equals("OPTIONS") && allowedOrigin) {
            ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS");
            ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
            ctx.header("Access-Control-Max-Age", "600");
            ctx.status(204);
            ctx.skipRemainingHandlers();
            return;
        }
        if (SAFE_METHODS.contains(method)) return;
        if (origin != null && !allowedOrigin && !origin.equalsIgnoreCase("http://" + host) && !origin.equalsIgnoreCase("https://" + host))
            throw new ApiException(403, "a page from origin " + SafeText.quoted(origin) + " may not " + method + " " + ctx.path()
                    + "; start the server with --cors-origin " + SafeText.of(origin) + " to allow it", "invalid_request_error", null, "origin_not_allowed");
        if (method.equals("POST") || method.equals("PUT") || method.equals("PATCH")) {
            String ct = ctx.contentType() == null ? "" : ctx.contentType().toLowerCase(Locale.ROOT).trim();
            // no Content-Type (curl without -H, raw clients) is fine: a page cannot hide its Origin, checked above
            if (!ct.isEmpty() && WRITE_TYPES.stream().noneMatch(ct::startsWith))
                throw new ApiException(415, "Content-Type " + (ct.isEmpty() ? "(none)" : SafeText.quoted(ct)) + " is not accepted for "
                        + method + " " + ctx.path() + "; send application/json (or application/octet-stream for a GGUF vector upload)",
                        "invalid_request_error", null, "unsupported_media_type");
        }
    }

    private boolean hostAllowed(String name, String boundHost, String localAddr) {
        if (allowedHosts.contains("*") || LOCAL_NAMES.contains(name) || allowedHosts.contains(name)) return true;
        if (boundHost != null && name.equalsIgnoreCase(strip(boundHost))) return true;
        return localAddr != null && name.equalsIgnoreCase(strip(localAddr));
    }

    /** The name part of a Host header: {@code [::1]:8080} gives {@code ::1}, {@code a.example:80} gives {@code a.example}. */
    static String hostName(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? h : h.substring(1, end);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }

    private static String strip(String addr) {
        String a = addr.toLowerCase(Locale.ROOT);
        return a.startsWith("[") && a.endsWith("]") ? a.substring(1, a.length() - 1) : a;
    }
}
