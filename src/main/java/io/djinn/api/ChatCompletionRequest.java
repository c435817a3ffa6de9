package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/chat/completions}. Ranges follow the widest documented range the engine honours; parameters the
 * engine cannot honour yet are refused by name in {@link UnsupportedParameters}, never ignored.
 */
public record ChatCompletionRequest(
        String model,
        @NotNull(message = "is required") @NotEmpty(message = "must contain at least one message")
                List<@Valid @NotNull(message = "must not be null") ChatMessage> messages,
        @JsonProperty("max_tokens") @Min(value = 1, message = "must be at least 1") Integer maxTokens,
        @JsonProperty("max_completion_tokens") @Min(value = 1, message = "must be at least 1")
                Integer maxCompletionTokens,
        @DecimalMin(value = "0", message = "must be between 0 and 2")
                @DecimalMax(value = "2", message = "must be between 0 and 2") Double temperature,
        @JsonProperty("top_p") @DecimalMin(value = "0", inclusive = false, message = "must be in (0, 1]")
                @DecimalMax(value = "1", message = "must be in (0, 1]") Double topP,
        @JsonProperty("top_k") @Min(value = -1, message = "must be -1 (off), 0 (off) or a positive number")
                @Max(value = 1_000_000, message = "must be at most 1000000") Integer topK,
        Long seed,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        String user,
        @JsonProperty("ignore_eos") Boolean ignoreEos,
        @JsonProperty("skip_special_tokens") Boolean skipSpecialTokens,
        @JsonProperty("add_generation_prompt") Boolean addGenerationPrompt,
        @JsonProperty("chat_template") String chatTemplate,
        @JsonProperty("chat_template_kwargs") Map<String, Object> chatTemplateKwargs,
        List<Map<String, Object>> documents,
        @JsonProperty("reasoning_effort") @Pattern(regexp = "none|minimal|low|medium|high|xhigh",
                message = "must be one of none, minimal, low, medium, high, xhigh") String reasoningEffort) {

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    /** max_completion_tokens wins over the deprecated max_tokens, as in OpenAI's API. */
    public Integer requestedMaxTokens() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }
}
