package io.djinn.api;

import io.smallrye.mutiny.Multi;
import java.util.List;
import java.util.Map;

/**
 * Status, headers and body of a response decided asynchronously. Quarkus writes the status and headers with the
 * first body item, so everything that can refuse a request must be decided before the reply exists.
 */
public record HttpReply(int status, Map<String, List<String>> headers, Multi<String> body) {

    public static HttpReply json(int status, String json, Map<String, List<String>> extraHeaders) {
        var headers = new java.util.HashMap<String, List<String>>(extraHeaders);
        headers.put("Content-Type", List.of("application/json"));
        return new HttpReply(status, headers, Multi.createFrom().item(json));
    }

    public static HttpReply eventStream(Multi<String> events) {
        return new HttpReply(200, Map.of("Content-Type", List.of("text/event-stream; charset=utf-8"),
                "Cache-Control", List.of("no-cache"), "X-Accel-Buffering", List.of("no")), events);
    }

    /** This reply with {@code extra} headers added (rate-limit headers of the admitted request). */
    public HttpReply withHeaders(Map<String, List<String>> extra) {
        if (extra.isEmpty()) {
            return this;
        }
        var merged = new java.util.HashMap<String, List<String>>(headers);
        merged.putAll(extra);
        return new HttpReply(status, merged, body);
    }
}
