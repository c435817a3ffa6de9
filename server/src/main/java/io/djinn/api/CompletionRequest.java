package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/completions} (legacy). The fields proper to it are validated here; the sampling fields it shares
 * with chat completions are typed here (for the OpenAPI document and type errors) and range-checked by the same
 * rules as chat completions, in {@link Completions}.
 *
 * @param prompt   a string, a list of strings, a list of token ids, or a list of lists of token ids
 * @param logprobs the legacy integer: log-probabilities of the N most likely tokens at each position
 */
public record CompletionRequest(
        String model,
        @NotNull(message = "is required") JsonNode prompt,
        String suffix,
        Boolean echo,
        @Min(value = 0, message = "must be between 0 and 20") @Max(value = 20, message = "must be between 0 and 20")
                Integer logprobs,
        @JsonProperty("max_tokens") @Min(value = 1, message = "must be at least 1") Integer maxTokens,
        Integer n,
        @JsonProperty("best_of") Integer bestOf,
        JsonNode stop,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        Long seed,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("min_p") Double minP,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("repetition_penalty") Double repetitionPenalty,
        @JsonProperty("logit_bias") Map<String, Double> logitBias,
        @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
        @JsonProperty("include_stop_str_in_output") Boolean includeStopStrInOutput,
        @JsonProperty("ignore_eos") Boolean ignoreEos,
        @JsonProperty("min_tokens") Integer minTokens,
        @JsonProperty("bad_words") List<String> badWords,
        @JsonProperty("skip_special_tokens") Boolean skipSpecialTokens,
        @JsonProperty("spaces_between_special_tokens") Boolean spacesBetweenSpecialTokens,
        @JsonProperty("truncate_prompt_tokens") Integer truncatePromptTokens,
        @JsonProperty("add_special_tokens") Boolean addSpecialTokens,
        @JsonProperty("service_tier") String serviceTier,
        String user,
        @JsonProperty("response_format") JsonNode responseFormat,
        @JsonProperty("structured_outputs") JsonNode structuredOutputs,
        @JsonProperty("guided_json") JsonNode guidedJson,
        @JsonProperty("guided_regex") String guidedRegex,
        @JsonProperty("guided_choice") List<String> guidedChoice) {

    /** OpenAI's default for this endpoint. */
    static final int DEFAULT_MAX_TOKENS = 16;

    /** Fields the sampling rules of chat completions check and honour under the same names. */
    static final List<String> SHARED = List.of("model", "max_tokens", "n", "best_of", "stop", "stream",
            "stream_options", "seed", "temperature", "top_p", "top_k", "min_p", "presence_penalty",
            "frequency_penalty", "repetition_penalty", "logit_bias", "stop_token_ids", "include_stop_str_in_output",
            "ignore_eos", "min_tokens", "bad_words", "skip_special_tokens", "spaces_between_special_tokens",
            "truncate_prompt_tokens", "service_tier", "user", "response_format", "structured_outputs", "guided_json",
            "guided_regex", "guided_choice");

    /** Chat-only parameters: sent here they are a mistake, not something to ignore. */
    static final List<String> CHAT_ONLY = List.of("messages", "max_completion_tokens", "top_logprobs", "tools",
            "tool_choice", "parallel_tool_calls", "chat_template", "chat_template_kwargs", "documents",
            "add_generation_prompt", "continue_final_message", "reasoning_effort", "thinking_token_budget",
            "include_reasoning");

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }
}
