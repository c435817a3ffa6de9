package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.djinn.common.Json;
import io.djinn.toolcall.AssistantDelta;
import io.djinn.toolcall.ToolCallDelta;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds a response's output items from the parsed deltas of one generation, and the Responses API's semantic
 * stream events on the way: an item is opened ({@code output_item.added}, then {@code content_part.added} for text
 * and reasoning) when the first piece of its kind arrives, receives deltas, and is closed ({@code ….done},
 * {@code content_part.done}, {@code output_item.done}) when a piece of another kind starts or the generation ends.
 * The non-streamed answer uses the same builder and drops the events, so both carry the same output.
 */
final class ResponseOutput {

    private enum Kind { REASONING, MESSAGE, CALL }

    /** The events produced so far and not yet taken, each an object with its {@code type} (no sequence number). */
    private final List<ObjectNode> events = new ArrayList<>();
    private final List<JsonNode> items = new ArrayList<>();
    private Kind open;
    private int openCallIndex = -1;
    private ObjectNode item;
    private final StringBuilder text = new StringBuilder();

    /** Adds one parsed delta. */
    void add(AssistantDelta delta) {
        if (!delta.reasoning().isEmpty()) {
            ensure(Kind.REASONING, -1, null);
            text.append(delta.reasoning());
            events.add(event("response.reasoning_text.delta").put("item_id", item.get("id").asText())
                    .put("output_index", items.size()).put("content_index", 0).put("delta", delta.reasoning()));
        }
        if (!delta.content().isEmpty()) {
            ensure(Kind.MESSAGE, -1, null);
            text.append(delta.content());
            ObjectNode e = event("response.output_text.delta").put("item_id", item.get("id").asText())
                    .put("output_index", items.size()).put("content_index", 0).put("delta", delta.content());
            e.putArray("logprobs");
            events.add(e);
        }
        for (ToolCallDelta call : delta.toolCalls()) {
            if (call.first() || open != Kind.CALL || openCallIndex != call.index()) {
                ensure(Kind.CALL, call.index(), call);
            }
            if (!call.arguments().isEmpty()) {
                text.append(call.arguments());
                events.add(event("response.function_call_arguments.delta").put("item_id", item.get("id").asText())
                        .put("output_index", items.size()).put("delta", call.arguments()));
            }
        }
    }

    /** Closes the open item; {@code incomplete}: the generation was cut (max_output_tokens). */
    void finish(boolean incomplete) {
        close(incomplete);
    }

    List<JsonNode> items() {
        return List.copyOf(items);
    }

    boolean calledTools() {
        return items.stream().anyMatch(i -> "function_call".equals(i.path("type").asText()));
    }

    /** The events produced since the last call. */
    List<ObjectNode> takeEvents() {
        List<ObjectNode> out = List.copyOf(events);
        events.clear();
        return out;
    }

    private void ensure(Kind kind, int callIndex, ToolCallDelta call) {
        if (open == kind && (kind != Kind.CALL || openCallIndex == callIndex)) {
            return;
        }
        close(false);
        open = kind;
        openCallIndex = callIndex;
        text.setLength(0);
        item = Json.MAPPER.createObjectNode();
        switch (kind) {
            case REASONING -> {
                item.put("id", ResponsesRequests.newId("rs_")).put("type", "reasoning");
                item.putArray("summary");
                item.putArray("content");
                item.put("status", "in_progress");
            }
            case MESSAGE -> {
                item.put("id", ResponsesRequests.newId("msg_")).put("type", "message").put("status", "in_progress")
                        .put("role", "assistant");
                item.putArray("content");
            }
            case CALL -> item.put("id", ResponsesRequests.newId("fc_")).put("type", "function_call")
                    .put("status", "in_progress").put("call_id", call == null || call.id() == null
                            ? ResponsesRequests.newId("call_") : call.id())
                    .put("name", call == null || call.name() == null ? "" : call.name()).put("arguments", "");
        }
        ObjectNode added = event("response.output_item.added").put("output_index", items.size());
        added.set("item", item.deepCopy());
        events.add(added);
        if (kind != Kind.CALL) {
            ObjectNode part = event("response.content_part.added").put("item_id", item.get("id").asText())
                    .put("output_index", items.size()).put("content_index", 0);
            part.set("part", part(kind, ""));
            events.add(part);
        }
    }

    private ObjectNode part(Kind kind, String value) {
        ObjectNode part = Json.MAPPER.createObjectNode();
        if (kind == Kind.REASONING) {
            part.put("type", "reasoning_text").put("text", value);
        } else {
            part.put("type", "output_text").put("text", value);
            part.putArray("annotations");
            part.putArray("logprobs");
        }
        return part;
    }

    private void close(boolean incomplete) {
        if (open == null) {
            return;
        }
        String id = item.get("id").asText();
        int index = items.size();
        String value = text.toString();
        switch (open) {
            case REASONING -> events.add(event("response.reasoning_text.done").put("item_id", id)
                    .put("output_index", index).put("content_index", 0).put("text", value));
            case MESSAGE -> {
                ObjectNode done = event("response.output_text.done").put("item_id", id).put("output_index", index)
                        .put("content_index", 0).put("text", value);
                done.putArray("logprobs");
                events.add(done);
            }
            case CALL -> {
                item.put("arguments", value);
                events.add(event("response.function_call_arguments.done").put("item_id", id)
                        .put("output_index", index).put("name", item.get("name").asText()).put("arguments", value));
            }
        }
        if (open != Kind.CALL) {
            ObjectNode partDone = event("response.content_part.done").put("item_id", id).put("output_index", index)
                    .put("content_index", 0);
            partDone.set("part", part(open, value));
            events.add(partDone);
            item.withArray("content").add(part(open, value));
        }
        item.put("status", incomplete ? "incomplete" : "completed");
        ObjectNode done = event("response.output_item.done").put("output_index", index);
        done.set("item", item.deepCopy());
        events.add(done);
        items.add(item);
        open = null;
        openCallIndex = -1;
        item = null;
    }

    private static ObjectNode event(String type) {
        return Json.MAPPER.createObjectNode().put("type", type);
    }
}
