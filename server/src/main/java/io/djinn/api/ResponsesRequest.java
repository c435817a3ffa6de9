package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/responses}. Its own fields are checked here and in {@link ResponsesRequests}; the request then
 * becomes a chat-completions request (messages, tools, response_format, sampling) checked and run by the same rules,
 * with errors naming the Responses API's parameters.
 *
 * @param input a string, or a list of items: messages ({@code role} user, assistant, system, developer; content a
 *              string or text parts), {@code function_call}, {@code function_call_output} and {@code reasoning}
 */
public record ResponsesRequest(
        String model,
        @NotNull(message = "is required") JsonNode input,
        String instructions,
        @JsonProperty("max_output_tokens") @Min(value = 1, message = "must be at least 1") Integer maxOutputTokens,
        Double temperature,
        @JsonProperty("top_p") Double topP,
        @Size(max = 128, message = "may hold at most 128 tools") List<JsonNode> tools,
        @JsonProperty("tool_choice") JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        JsonNode text,
        JsonNode reasoning,
        Boolean stream,
        Boolean store,
        @JsonProperty("previous_response_id") String previousResponseId,
        @Size(max = 16, message = "may hold at most 16 pairs")
                Map<@Size(max = 64, message = "keys must be at most 64 characters") String,
                        @NotNull(message = "values must be strings")
                        @Size(max = 512, message = "values must be at most 512 characters") String> metadata,
        String user,
        @JsonProperty("safety_identifier") String safetyIdentifier,
        @JsonProperty("prompt_cache_key") String promptCacheKey,
        @JsonProperty("service_tier") String serviceTier,
        @Pattern(regexp = "auto|disabled", message = "must be one of auto, disabled") String truncation,
        @JsonProperty("top_k") Integer topK,
        @JsonProperty("min_p") Double minP,
        @JsonProperty("presence_penalty") Double presencePenalty,
        @JsonProperty("frequency_penalty") Double frequencyPenalty,
        @JsonProperty("repetition_penalty") Double repetitionPenalty,
        @JsonProperty("logit_bias") Map<String, Double> logitBias,
        Long seed,
        JsonNode stop,
        @JsonProperty("stop_token_ids") List<Integer> stopTokenIds,
        @JsonProperty("include_stop_str_in_output") Boolean includeStopStrInOutput,
        @JsonProperty("ignore_eos") Boolean ignoreEos,
        @JsonProperty("min_tokens") Integer minTokens,
        @JsonProperty("bad_words") List<String> badWords,
        @JsonProperty("skip_special_tokens") Boolean skipSpecialTokens,
        @JsonProperty("spaces_between_special_tokens") Boolean spacesBetweenSpecialTokens,
        @JsonProperty("thinking_token_budget") Integer thinkingTokenBudget,
        @JsonProperty("chat_template_kwargs") Map<String, Object> chatTemplateKwargs) {

    /** Sampling extras passed to the chat-completions rules under their own names. */
    static final List<String> EXTRAS = List.of("temperature", "top_p", "top_k", "min_p", "presence_penalty",
            "frequency_penalty", "repetition_penalty", "logit_bias", "seed", "stop", "stop_token_ids",
            "include_stop_str_in_output", "ignore_eos", "min_tokens", "bad_words", "skip_special_tokens",
            "spaces_between_special_tokens", "thinking_token_budget", "chat_template_kwargs", "parallel_tool_calls",
            "service_tier", "user", "stream");

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    /** OpenAI stores responses unless asked not to. */
    public boolean stored() {
        return !Boolean.FALSE.equals(store);
    }
}
