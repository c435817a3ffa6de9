package io.djinn.common;

import java.util.List;
import java.util.Map;

/** An error the client gets in OpenAI's shape: {@code {"error":{"message","type","param","code"}}}. */
public class ApiException extends RuntimeException {
    private final int status;
    private final String type;
    private final String param;
    private final String code;
    private final Map<String, List<String>> headers;

    public ApiException(int status, String type, String code, String param, String message,
            Map<String, List<String>> headers) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.headers = headers;
    }

    public static ApiException badRequest(String param, String code, String message) {
        return new ApiException(400, "invalid_request_error", code, param, message, Map.of());
    }

    public static ApiException invalidParam(String param, String message) {
        return badRequest(param, "invalid_value", message);
    }

    public static ApiException modelNotFound(String model) {
        return new ApiException(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist or you do not have access to it.", Map.of());
    }

    /** An unknown model name: says which names this server serves, so a client with a stale name can fix it. */
    public static ApiException modelNotFound(String model, List<String> served) {
        if (served.isEmpty()) {
            return modelNotFound(model);
        }
        return new ApiException(404, "invalid_request_error", "model_not_found", "model",
                "The model '" + model + "' does not exist. This server serves: " + String.join(", ", served) + ".",
                Map.of());
    }

    /**
     * No model serves: still loading (retry; {@code loading} says what the loader is doing, a download's progress for
     * instance), or its load failed (retrying will not help; the log has the cause).
     */
    public static ApiException modelUnavailable(java.util.Optional<Throwable> loadFailure,
            java.util.Optional<String> loading) {
        return loadFailure.map(t -> new ApiException(503, "server_error", "model_load_failed", null,
                        "The model failed to load: " + t.getMessage(), Map.<String, List<String>>of()))
                .orElseGet(() -> notReady(loading));
    }

    public static ApiException notReady(java.util.Optional<String> loading) {
        return new ApiException(503, "server_error", "model_not_ready", null,
                "The model is still loading" + loading.map(l -> " (" + l + ")").orElse("") + "; retry shortly.",
                Map.of("Retry-After", List.of("5")));
    }

    public static ApiException shuttingDown(int retryAfterSeconds) {
        return new ApiException(503, "server_error", "server_shutting_down", null,
                "The server is shutting down and admits no new requests; retry against another instance.",
                Map.of("Retry-After", List.of(Integer.toString(retryAfterSeconds))));
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public Map<String, List<String>> headers() {
        return headers;
    }

    public ErrorBody body() {
        return new ErrorBody(new ErrorBody.Error(getMessage(), type, param, code));
    }
}
