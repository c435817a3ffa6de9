package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.serving.Generations;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /v1/chat/completions}. Ranges follow the widest documented range (OpenAI, the hosted providers in
 * the spec, vLLM) that the engine honours; cross-field rules and rules that need the model (vocabulary, context)
 * are checked in {@link ChatCompletions} and {@link Generations}. Its sampling fields map to the engine's parameters
 * through {@link io.djinn.serving.SamplingRequest#toSamplingParams} (user → generation_config.json → OpenAI
 * default), its output-shape fields through {@link io.djinn.serving.OutputShaping#plan}. Parameters the engine
 * cannot honour are refused by name in {@link UnsupportedParameters}, never ignored.
 */
public record ChatCompletionRequest(
        String model,
        @NotNull(message = "is required") @NotEmpty(message = "must contain at least one message")
                List<@Valid @NotNull(message = "must not be null") ChatMessage> messages,
        @JsonProperty("max_tokens") @Min(value = 1, message = "must be at least 1") Integer maxTokens,
        @JsonProperty("max_completion_tokens") @Min(value = 1, message = "must be at least 1")
                Integer maxCompletionTokens,
        @DecimalMin(value = "0", message = "must be between 0 and 4")
                @DecimalMax(value = "4", message = "must be between 0 and 4") Double temperature,
        @JsonProperty("top_p") @DecimalMin(value = "0", inclusive = false, message = "must be in (0, 1]")
                @DecimalMax(value = "1", message = "must be in (0, 1]") Double topP,
        @JsonProperty("top_k") @Min(value = -1, message = "must be -1 (off), 0 (off) or a positive number")
                @Max(value = 1_000_000, message = "must be at most 1000000") Integer topK,
        @JsonProperty("min_p") @DecimalMin(value = "0", message = "must be between 0 and 1")
                @DecimalMax(value = "1", message = "must be between 0 and 1") Double minP,
        @JsonProperty("presence_penalty") @DecimalMin(value = "-2", message = "must be between -2 and 2")
                @DecimalMax(value = "2", message = "must be between -2 and 2") Double presencePenalty,
        @JsonProperty("frequency_penalty") @DecimalMin(value = "-2", message = "must be between -2 and 2")
                @DecimalMax(value = "2", message = "must be between -2 and 2") Double frequencyPenalty,
        @JsonProperty("repetition_penalty") @DecimalMin(value = "0", inclusive = false,
                message = "must be greater than 0") Double repetitionPenalty,
        @JsonProperty("logit_bias") @Size(max = 1024, message = "may bias at most 1024 tokens")
                Map<@NotNull @Pattern(regexp = "[0-9]{1,9}", message = "must map token ids to biases") String,
                        @NotNull(message = "must map token ids to numbers")
                        @DecimalMin(value = "-100", message = "biases must be between -100 and 100")
                        @DecimalMax(value = "100", message = "biases must be between -100 and 100") Double> logitBias,
        Boolean logprobs,
        @JsonProperty("top_logprobs") @Min(value = 0, message = "must be between 0 and 20")
                @Max(value = 20, message = "must be between 0 and 20") Integer topLogprobs,
        @Min(value = 1, message = "must be between 1 and 128") @Max(value = 128, message = "must be between 1 and 128")
                Integer n,
        @JsonProperty("best_of") @Min(value = 1, message = "must be at least 1") Integer bestOf,
        Long seed,
        @JsonShape(JsonShape.Shape.STOP) JsonNode stop,
        @JsonProperty("stop_token_ids") @Size(max = 1024, message = "may hold at most 1024 ids")
                List<@NotNull(message = "must hold token ids") @Min(value = 0, message = "must hold token ids")
                        Integer> stopTokenIds,
        @JsonProperty("include_stop_str_in_output") Boolean includeStopStrInOutput,
        @JsonProperty("ignore_eos") Boolean ignoreEos,
        @JsonProperty("min_tokens") @Min(value = 0, message = "must be at least 0") Integer minTokens,
        @JsonProperty("bad_words") @Size(max = 1024, message = "may hold at most 1024 words")
                List<@NotNull(message = "must hold strings") @NotEmpty(message = "must hold non-empty strings")
                        String> badWords,
        @JsonProperty("skip_special_tokens") Boolean skipSpecialTokens,
        @JsonProperty("spaces_between_special_tokens") Boolean spacesBetweenSpecialTokens,
        @JsonProperty("truncate_prompt_tokens") @Min(value = -1,
                message = "must be -1 (the context length) or at least 1") Integer truncatePromptTokens,
        Boolean stream,
        @JsonProperty("stream_options") StreamOptions streamOptions,
        @JsonProperty("service_tier") @Pattern(regexp = "auto|default|priority",
                message = "must be one of auto, default, priority") String serviceTier,
        String user,
        @JsonProperty("add_generation_prompt") Boolean addGenerationPrompt,
        @JsonProperty("continue_final_message") Boolean continueFinalMessage,
        @JsonProperty("add_special_tokens") Boolean addSpecialTokens,
        Boolean echo,
        @JsonProperty("chat_template") String chatTemplate,
        @JsonProperty("chat_template_kwargs") Map<String, Object> chatTemplateKwargs,
        List<@NotNull(message = "must hold objects") Map<String, Object>> documents,
        @JsonProperty("reasoning_effort") @Pattern(regexp = "none|minimal|low|medium|high|xhigh",
                message = "must be one of none, minimal, low, medium, high, xhigh") String reasoningEffort,
        @JsonProperty("response_format") @JsonShape(JsonShape.Shape.RESPONSE_FORMAT) JsonNode responseFormat,
        @Size(max = 128, message = "may hold at most 128 tools")
                List<@NotNull(message = "must hold tool objects") @JsonShape(JsonShape.Shape.TOOL) JsonNode> tools,
        @JsonProperty("tool_choice") @JsonShape(JsonShape.Shape.TOOL_CHOICE) JsonNode toolChoice,
        @JsonProperty("parallel_tool_calls") Boolean parallelToolCalls,
        @JsonProperty("structured_outputs") @JsonShape(JsonShape.Shape.STRUCTURED_OUTPUTS) JsonNode structuredOutputs,
        @JsonProperty("guided_json") JsonNode guidedJson,
        @JsonProperty("guided_regex") String guidedRegex,
        @JsonProperty("guided_choice") @Size(min = 1, max = 1024, message = "must hold 1 to 1024 strings")
                List<@NotNull(message = "must hold strings") String> guidedChoice,
        @JsonProperty("thinking_token_budget") @Min(value = -1, message = "must be -1 (no limit) or at least 0")
                Integer thinkingTokenBudget,
        @JsonProperty("include_reasoning") Boolean includeReasoning) implements Generations.Request {

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    /** max_completion_tokens wins over the deprecated max_tokens, as in OpenAI's API. */
    @Override
    public Integer requestedMaxTokens() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }

    @Override
    public String maxTokensParam() {
        return maxCompletionTokens != null ? "max_completion_tokens" : "max_tokens";
    }

    @Override
    public int choices() {
        return n == null ? 1 : n;
    }

    /** The chat-template inputs, shared with {@code /tokenize} so both see the same prompt. */
    PromptSpec promptSpec() {
        return new PromptSpec(messages, tools, addGenerationPrompt, continueFinalMessage, addSpecialTokens,
                chatTemplate, chatTemplateKwargs, documents, reasoningEffort);
    }
}
