package io.djinn.api;

import io.djinn.common.Json;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** Splits an SSE body into its data payloads and checks the framing on the way. */
final class SseEvents {
    private SseEvents() {}

    static List<String> data(String body) {
        List<String> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank() || block.startsWith(":")) {
                continue;
            }
            if (!block.startsWith("data: ") || block.indexOf('\n') >= 0) {
                throw new AssertionError("malformed SSE event: " + block);
            }
            out.add(block.substring("data: ".length()));
        }
        return out;
    }

    static List<JsonNode> chunks(String body) throws Exception {
        List<String> data = data(body);
        if (!"[DONE]".equals(data.getLast())) {
            throw new AssertionError("stream does not end with [DONE]: " + data.getLast());
        }
        List<JsonNode> out = new ArrayList<>();
        for (String d : data.subList(0, data.size() - 1)) {
            out.add(Json.MAPPER.readTree(d));
        }
        return out;
    }
}
