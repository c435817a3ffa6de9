package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/** {@code choices[].logprobs}: one entry per generated token, in OpenAI's (and DeepSeek's) shape. */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record ChoiceLogprobs(List<TokenLogprob> content, List<TokenLogprob> refusal) {

    /**
     * @param bytes the token's UTF-8 bytes (a token may carry part of a character)
     * @param topLogprobs the most likely tokens at this position, most likely first
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TokenLogprob(String token, double logprob, List<Integer> bytes,
            @JsonProperty("top_logprobs") List<TopLogprob> topLogprobs) {}

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record TopLogprob(String token, double logprob, List<Integer> bytes) {}
}
