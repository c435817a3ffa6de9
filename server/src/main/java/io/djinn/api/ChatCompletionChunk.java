package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** One server-sent event of a streamed answer: {@code object = "chat.completion.chunk"}. */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
public record ChatCompletionChunk(String id, String object, long created, String model,
        @JsonProperty("system_fingerprint") String systemFingerprint,
        @JsonProperty("service_tier") String serviceTier, List<Choice> choices, Usage usage) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, Delta delta, ChoiceLogprobs logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    /**
     * Only the fields a chunk carries appear: the first has the role, later ones content, reasoning (under both
     * names) or tool-call fragments.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content,
            @JsonProperty("reasoning_content") String reasoningContent, String reasoning,
            @JsonProperty("tool_calls") List<ToolCallDelta> toolCalls) {

        Delta(String role, String content) {
            this(role, content, null, null, null);
        }

        static Delta reasoning(String text) {
            return new Delta(null, null, text, text, null);
        }

        static Delta toolCall(ToolCallDelta call) {
            return new Delta(null, null, null, null, List.of(call));
        }
    }

    /**
     * A fragment of tool call {@code index}: the first carries id, type and the function name, later ones only
     * argument text to append.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ToolCallDelta(int index, String id, String type, FunctionDelta function) {
        @JsonInclude(JsonInclude.Include.NON_NULL)
        public record FunctionDelta(String name, String arguments) {}
    }
}
