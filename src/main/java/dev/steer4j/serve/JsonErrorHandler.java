package dev.steer4j.serve;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.steer4j.util.SafeText;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

import java.nio.ByteBuffer;

/**
 * Jetty's own errors (a request it refuses before any route runs, such as {@code %00} in the path, or a header it
 * cannot parse) as the API's error object, {@code {"error": {"message", "type", "param", "code": "http_error"}}},
 * instead of Jetty's HTML page. No stack trace, no server version.
 */
final class JsonErrorHandler extends ErrorHandler {
    private static final HttpField JSON = new HttpField(HttpHeader.CONTENT_TYPE, "application/json");

    /** The error body for a status and Jetty's reason (cut and escaped: it may quote the request). */
    static byte[] body(int status, String reason) {
        String message = "the request was refused by the HTTP layer: " + status + " " + HttpStatus.getMessage(status)
                + (reason == null || reason.isBlank() || reason.equals(HttpStatus.getMessage(status)) ? "" : " (" + SafeText.of(reason, 200) + ")");
        ApiException e = new ApiException(status, message, status >= 500 ? "server_error" : "invalid_request_error", null, "http_error");
        try {
            return Json.MAPPER.writeValueAsBytes(e.body());
        } catch (JsonProcessingException x) {
            throw new IllegalStateException(x);
        }
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause, Callback callback) {
        response.getHeaders().put(JSON);
        response.write(true, ByteBuffer.wrap(body(code, message)), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(JSON);
        return ByteBuffer.wrap(body(status, reason));
    }
}
