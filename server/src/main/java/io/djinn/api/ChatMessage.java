package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/**
 * One message of the conversation. {@code content} is a string or an array of text parts; assistant
 * {@code tool_calls} and tool {@code tool_call_id} pass through to the chat template.
 */
public record ChatMessage(
        @NotNull(message = "is required") @Pattern(regexp = "system|developer|user|assistant|tool",
                message = "must be one of system, developer, user, assistant, tool") String role,
        JsonNode content,
        String name,
        @JsonProperty("tool_calls") @JsonShape(JsonShape.Shape.TOOL_CALLS) JsonNode toolCalls,
        @JsonProperty("tool_call_id") String toolCallId,
        @JsonProperty("reasoning_content") String reasoningContent) {
}
