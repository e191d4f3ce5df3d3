package dev.steer4j.serve;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answered to the client with an OpenAI-style body:
 * {@code {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}}.
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Integer retryAfterSeconds;

    public ApiException(int status, String message, String type, String param, String code) {
        this(status, message, type, param, code, null);
    }

    public ApiException(int status, String message, String type, String param, String code, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 for a bad parameter: the message names it, {@code param} carries its name. */
    public static ApiException invalid(String param, String message) {
        return new ApiException(400, message, "invalid_request_error", param, "invalid_value");
    }

    public static ApiException invalid(String param, String code, String message) {
        return new ApiException(400, message, "invalid_request_error", param, code);
    }

    public static ApiException notFound(String param, String code, String message) {
        return new ApiException(404, message, "invalid_request_error", param, code);
    }

    public int status() { return status; }
    public String type() { return type; }
    public String param() { return param; }
    public String code() { return code; }
    public Integer retryAfterSeconds() { return retryAfterSeconds; }

    /** The {@code {"error": {...}}} body. */
    public Map<String, Object> body() {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("message", getMessage());
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return Map.of("error", e);
    }
}
