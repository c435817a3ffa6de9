package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** A non-streamed answer: {@code object = "chat.completion"}, fields as in DeepSeek's reference. */
public record ChatCompletion(String id, String object, long created, String model,
        @JsonProperty("system_fingerprint") String systemFingerprint,
        @JsonProperty("service_tier") String serviceTier, List<Choice> choices, Usage usage) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, Message message, ChoiceLogprobs logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    /**
     * The assistant's answer. {@code content} and {@code refusal} are always present (null when empty, as OpenAI
     * sends them); the reasoning (under vLLM's old and new names) and the tool calls only when there are some.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Message(String role, String content, String refusal,
            @JsonInclude(JsonInclude.Include.NON_NULL) @JsonProperty("reasoning_content") String reasoningContent,
            @JsonInclude(JsonInclude.Include.NON_NULL) String reasoning,
            @JsonInclude(JsonInclude.Include.NON_EMPTY) @JsonProperty("tool_calls") List<ToolCall> toolCalls) {

        Message(String role, String content, String refusal) {
            this(role, content, refusal, null, null, List.of());
        }
    }

    /** One call the model made: {@code arguments} is the JSON text of the arguments object. */
    public record ToolCall(String id, String type, Function function) {
        public record Function(String name, String arguments) {}
    }
}
