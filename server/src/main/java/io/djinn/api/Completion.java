package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * A legacy completion ({@code object = "text_completion"}), whole or as one streamed chunk (a chunk has the same
 * shape, with {@code finish_reason} null until the choice ends, and {@code usage} only on the last chunk).
 */
public record Completion(String id, String object, long created, String model,
        @JsonProperty("system_fingerprint") String systemFingerprint, List<Choice> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record Choice(int index, String text, Logprobs logprobs,
            @JsonProperty("finish_reason") String finishReason) {}

    /**
     * The legacy log-probabilities: per token its text, its log-probability, the most likely alternatives (token
     * text → log-probability) and the offset of the token in the choice's text.
     */
    public record Logprobs(List<String> tokens, @JsonProperty("token_logprobs") List<Double> tokenLogprobs,
            @JsonProperty("top_logprobs") List<Map<String, Double>> topLogprobs,
            @JsonProperty("text_offset") List<Integer> textOffset) {}
}
