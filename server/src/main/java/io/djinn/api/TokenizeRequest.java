package io.djinn.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /tokenize} as vLLM defines it: either a plain {@code prompt} or chat {@code messages} (rendered exactly
 * as chat completions render them).
 */
public record TokenizeRequest(
        String model,
        String prompt,
        List<@Valid @NotNull(message = "must not be null") ChatMessage> messages,
        @JsonProperty("add_generation_prompt") Boolean addGenerationPrompt,
        @JsonProperty("continue_final_message") Boolean continueFinalMessage,
        @JsonProperty("add_special_tokens") Boolean addSpecialTokens,
        @JsonProperty("chat_template") String chatTemplate,
        @JsonProperty("chat_template_kwargs") Map<String, Object> chatTemplateKwargs,
        List<@NotNull(message = "must hold objects") Map<String, Object>> documents,
        @JsonProperty("reasoning_effort") @Pattern(regexp = "none|minimal|low|medium|high|xhigh",
                message = "must be one of none, minimal, low, medium, high, xhigh") String reasoningEffort,
        @Size(max = 128, message = "may hold at most 128 tools")
                List<@NotNull(message = "must hold tool objects") @JsonShape(JsonShape.Shape.TOOL) JsonNode> tools,
        @JsonProperty("return_token_strs") Boolean returnTokenStrs) {

    PromptSpec promptSpec() {
        return new PromptSpec(messages, tools, addGenerationPrompt, continueFinalMessage, addSpecialTokens,
                chatTemplate, chatTemplateKwargs, documents, reasoningEffort);
    }
}
