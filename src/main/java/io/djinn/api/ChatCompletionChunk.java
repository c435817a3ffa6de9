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

    /** Only the fields a chunk carries appear: the first has the role, later ones the content. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Delta(String role, String content) {}
}
