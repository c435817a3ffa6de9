package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;

public record Usage(@JsonProperty("prompt_tokens") int promptTokens,
        @JsonProperty("completion_tokens") int completionTokens, @JsonProperty("total_tokens") int totalTokens,
        @JsonProperty("prompt_tokens_details") PromptTokensDetails promptTokensDetails) {

    public record PromptTokensDetails(@JsonProperty("cached_tokens") int cachedTokens) {}

    public static Usage of(int prompt, int completion, int cached) {
        return new Usage(prompt, completion, prompt + completion, new PromptTokensDetails(cached));
    }
}
