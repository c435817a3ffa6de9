package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.LogSafe;
import io.djinn.common.Json;
import io.djinn.engine.EngineOverloadedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every failure leaves as OpenAI's error shape with the status OpenAI would use; internals (stack traces, class
 * names) stay in the log.
 */
public class ErrorMapper {

    private static final Logger LOG = Logger.getLogger(ErrorMapper.class);

    static ApiException toApiException(Throwable t) {
        if (t instanceof ApiException e) {
            return e;
        }
        if (t instanceof EngineOverloadedException o) {
            // 503, not 429: the server is out of capacity, not the client over its quota (429 is the rate
            // limiter's); OpenAI clients retry both after Retry-After.
            return new ApiException(503, "server_error", "server_overloaded", null, o.getMessage(),
                    Map.of("Retry-After", List.of(String.valueOf(o.retryAfterSeconds()))));
        }
        if (t instanceof WebApplicationException w) {
            return fromStatus(w.getResponse().getStatus());
        }
        LOG.error("Request failed", LogSafe.escaped(t)); // its message may quote the request
        return new ApiException(500, "server_error", "internal_error", null,
                "The server had an error while processing the request.", Map.of());
    }

    static ApiException fromStatus(int status) {
        return switch (status) {
            case 404 -> new ApiException(404, "invalid_request_error", "not_found", null,
                    "Unknown path; see /v1/chat/completions, /v1/responses, /v1/completions and /v1/models.", Map.of());
            case 405 -> new ApiException(405, "invalid_request_error", "method_not_allowed", null,
                    "Method not allowed on this path.", Map.of());
            case 406 -> new ApiException(406, "invalid_request_error", "not_acceptable", null,
                    "The requested response media type is not available.", Map.of());
            case 413 -> new ApiException(413, "invalid_request_error", "request_too_large", null,
                    "The request body is too large.", Map.of());
            case 415 -> new ApiException(415, "invalid_request_error", "unsupported_media_type", null,
                    "The request body must be JSON (Content-Type: application/json).", Map.of());
            default -> status >= 500
                    ? new ApiException(status, "server_error", "internal_error", null,
                            "The server had an error while processing the request.", Map.of())
                    : new ApiException(status, "invalid_request_error", "invalid_request", null,
                            "The request could not be processed.", Map.of());
        };
    }

    static Response response(ApiException e) {
        Response.ResponseBuilder b = Response.status(e.status()).type("application/json").entity(Json.write(e.body()));
        e.headers().forEach((k, v) -> v.forEach(x -> b.header(k, x)));
        return b.build();
    }

    @ServerExceptionMapper
    public Response api(ApiException e) {
        return response(e);
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e) {
        return response(fromStatus(e.getResponse().getStatus()));
    }

    @ServerExceptionMapper
    public Response any(Throwable t) {
        return response(toApiException(t));
    }
}
