package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * Everything that decides a chat prompt's tokens, as chat completions and {@code /tokenize} receive it. Null means
 * "not sent"; {@link ChatPrompts} applies the defaults.
 */
record PromptSpec(List<ChatMessage> messages, List<JsonNode> tools, Boolean addGenerationPrompt,
        Boolean continueFinalMessage, Boolean addSpecialTokens, String chatTemplate,
        Map<String, Object> chatTemplateKwargs, List<Map<String, Object>> documents, String reasoningEffort) {}
