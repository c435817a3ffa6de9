package io.djinn.toolcall;

import java.util.List;

/**
 * The parsed assistant message of one choice: OpenAI's {@code reasoning_content}, {@code content} and
 * {@code tool_calls}. Empty strings mean none (the API sends null for them, and content null when there are calls
 * and no text, as OpenAI does).
 */
public record AssistantMessage(String reasoning, String content, List<ToolCall> toolCalls) {

    public AssistantMessage {
        toolCalls = List.copyOf(toolCalls);
    }

    public boolean hasToolCalls() {
        return !toolCalls.isEmpty();
    }
}
