package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.Json;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.serving.ServedModel;
import io.djinn.tokenizer.ChatTemplate;
import io.djinn.tokenizer.ChatTemplateException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Builds the token ids the engine sees for a chat: template rendering (with tools, documents, template kwargs and
 * reasoning_effort as variables), continuation of a final assistant message, and special tokens. Chat completions
 * and {@code /tokenize} both go through here, so a client can count exactly the tokens it will be billed for.
 */
final class ChatPrompts {

    private ChatPrompts() {}

    /**
     * @param continuesFinalMessage generation continues the last (assistant) message instead of opening a turn
     * @param finalAssistantText    the last message's text when it is from the assistant, else null (for echo)
     */
    record ChatPrompt(int[] tokens, String text, boolean continuesFinalMessage, String finalAssistantText) {}

    /**
     * @param limits the template's work limits and the rendered prompt's size limit, checked before the native
     *               tokenizer sees the text
     * @param mustFitContext whether a prompt that certainly exceeds the context is refused before tokenizing (not
     *               when the request truncates its prompt)
     */
    static ChatPrompt build(PromptSpec spec, ServedModel model, RequestLimits limits, boolean mustFitContext) {
        ChatTemplate template = model.chatTemplate();
        if (spec.chatTemplate() != null) {
            try {
                template = ChatTemplate.of(spec.chatTemplate(), model.tokenizer().bosToken(),
                        model.tokenizer().eosToken());
            } catch (RuntimeException e) {
                throw ApiException.badRequest("chat_template", "chat_template_error",
                        "The chat template does not compile: " + e.getMessage());
            }
        }
        if (template == null) {
            throw ApiException.badRequest("chat_template", "missing_chat_template",
                    "The model has no chat template; send one in 'chat_template'.");
        }
        List<Map<String, Object>> messages = templateMessages(spec.messages(), partsAsList(template.source()));
        Map<String, Object> last = messages.getLast();
        String lastText = !"assistant".equals(last.get("role")) ? null
                : last.get("content") instanceof String str ? (str.isEmpty() ? null : str)
                : last.get("content") instanceof List<?> parts && !parts.isEmpty() ? String.join("",
                        parts.stream().map(p -> (String) ((Map<?, ?>) p).get("text")).toList()) : null;
        boolean continueFinal = continuesFinalMessage(spec, lastText);
        boolean addGenerationPrompt = !continueFinal && !Boolean.FALSE.equals(spec.addGenerationPrompt());

        Map<String, Object> vars = new HashMap<>();
        if (spec.chatTemplateKwargs() != null) {
            vars.putAll(spec.chatTemplateKwargs());
        }
        if (spec.documents() != null) {
            vars.put("documents", spec.documents());
        }
        if (spec.reasoningEffort() != null) {
            vars.put("reasoning_effort", spec.reasoningEffort());
            // Qwen3-style templates switch thinking off with enable_thinking; an explicit kwarg still wins.
            if ("none".equals(spec.reasoningEffort())) {
                vars.putIfAbsent("enable_thinking", false);
            }
        }
        List<Map<String, Object>> tools = null;
        if (spec.tools() != null) {
            tools = new ArrayList<>();
            for (JsonNode t : spec.tools()) {
                tools.add(Json.MAPPER.convertValue(t, Json.MAP_TYPE));
            }
        }
        String text;
        try {
            text = template.render(messages, tools, addGenerationPrompt, vars, limits.templateLimits());
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest(spec.chatTemplate() != null ? "chat_template" : "messages",
                    "chat_template_error", "The chat template failed: " + e.getMessage());
        }
        if (continueFinal) {
            // As vLLM does: cut the rendering right after the final message's text, dropping the end-of-turn.
            int at = text.lastIndexOf(lastText);
            if (at < 0) {
                throw ApiException.badRequest("continue_final_message", "chat_template_error",
                        "The chat template does not reproduce the final assistant message, so it cannot be continued.");
            }
            text = text.substring(0, at + lastText.length());
        }
        limits.checkPrompt(spec.chatTemplate() != null ? "chat_template" : "messages", "The rendered prompt",
                text.length());
        if (mustFitContext && model.tokenizer().certainlyLongerThan(text, model.maxContext())) {
            // Tokenizing millions of characters costs seconds of CPU; a prompt that cannot fit is refused first.
            throw ApiException.badRequest("messages", "context_length_exceeded", "This model's maximum context "
                    + "length is " + model.maxContext() + " tokens, and the rendered prompt's " + text.length()
                    + " characters take more than that.");
        }
        int[] tokens = model.tokenizer().encode(text);
        if (Boolean.TRUE.equals(spec.addSpecialTokens())) {
            tokens = withBos(tokens, model);
        }
        return new ChatPrompt(tokens, text, continueFinal, lastText);
    }

    /**
     * vLLM's flag when sent; otherwise the hosted providers' convention: a conversation that ends with a non-empty
     * assistant message is a truncated answer to continue (unless the client explicitly asked for a new turn).
     */
    private static boolean continuesFinalMessage(PromptSpec spec, String lastAssistantText) {
        Boolean asked = spec.continueFinalMessage();
        if (Boolean.TRUE.equals(asked)) {
            if (Boolean.TRUE.equals(spec.addGenerationPrompt())) {
                throw ApiException.invalidParam("continue_final_message", "'continue_final_message' and "
                        + "'add_generation_prompt' cannot both be true: one continues the last message, the other "
                        + "opens a new turn.");
            }
            if (lastAssistantText == null || lastAssistantText.isEmpty()) {
                throw ApiException.invalidParam("continue_final_message", "'continue_final_message' needs the "
                        + "last message to be from the assistant with non-empty text content.");
            }
            return true;
        }
        return asked == null && spec.addGenerationPrompt() == null && lastAssistantText != null
                && !lastAssistantText.isEmpty();
    }

    /** add_special_tokens: the tokenizer's BOS in front, unless the template already put it there. */
    static int[] withBos(int[] tokens, ServedModel model) {
        String bos = model.tokenizer().bosToken();
        OptionalInt id = bos == null ? OptionalInt.empty() : model.tokenizer().tokenId(bos);
        if (id.isEmpty() || (tokens.length > 0 && tokens[0] == id.getAsInt())) {
            return tokens;
        }
        int[] out = new int[tokens.length + 1];
        out[0] = id.getAsInt();
        System.arraycopy(tokens, 0, out, 1, tokens.length);
        return out;
    }

    /**
     * Whether the template walks a message's content parts itself ({@code {% for part in message.content %}}):
     * then it gets the parts as a list of {@code {type, text}} objects, else one string with the parts' texts
     * joined by a newline. vLLM detects the same ("openai" against "string" content format) before handing the
     * messages to transformers' renderer.
     */
    static boolean partsAsList(String templateSource) {
        return CONTENT_LOOP.matcher(templateSource).find();
    }

    private static final java.util.regex.Pattern CONTENT_LOOP = java.util.regex.Pattern.compile(
            "\\{%-?\\s*for\\s+\\w+\\s+in\\s+[\\w\\[\\]]+(\\.content\\b|\\[\\s*['\"]content['\"]\\s*\\])");

    /** The messages as the template sees them (see {@link #templateMessage}). */
    static List<Map<String, Object>> templateMessages(List<ChatMessage> messages, boolean partsAsList) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(templateMessage(messages.get(i), i, partsAsList));
        }
        return out;
    }

    /** A message's text: its string, or its text parts joined by newlines (vLLM's "string" format); null if none. */
    private static String text(JsonNode content) {
        if (content == null || content.isNull()) {
            return null;
        }
        if (content.isTextual()) {
            return content.asText();
        }
        List<String> texts = new ArrayList<>();
        content.forEach(part -> texts.add(part.path("text").asText()));
        return String.join("\n", texts);
    }

    /**
     * The message as chat templates expect it. A missing or null {@code content} (the assistant message that carries
     * {@code tool_calls}: every OpenAI SDK sends {@code null}) becomes no text at all, as vLLM hands it to the
     * template: Jinjava would print a null joined with {@code +} as the word "null".
     */
    private static Map<String, Object> templateMessage(ChatMessage m, int index, boolean partsAsList) {
        Map<String, Object> out = new HashMap<>();
        out.put("role", m.role());
        JsonNode content = m.content();
        if (content == null || content.isNull()) {
            if (!"assistant".equals(m.role())) {
                throw ApiException.invalidParam("messages[" + index + "].content", "'messages[" + index
                        + "].content' is required for role '" + m.role() + "'.");
            }
            out.put("content", partsAsList ? List.of() : "");
        } else if (content.isTextual()) {
            out.put("content", content.asText());
        } else if (content.isArray()) {
            List<Map<String, Object>> parts = new ArrayList<>();
            for (int j = 0; j < content.size(); j++) {
                JsonNode part = content.get(j);
                String where = "messages[" + index + "].content[" + j + "]";
                if (!part.isObject() || !"text".equals(part.path("type").asText())) {
                    throw ApiException.invalidParam(where + ".type", "Only text content parts are supported; '"
                            + where + ".type' is " + (part.isObject() ? "'" + part.path("type").asText() + "'"
                                    : "not an object") + ".");
                }
                if (!part.path("text").isTextual()) {
                    throw ApiException.invalidParam(where + ".text", "'" + where + ".text' must be a string.");
                }
                parts.add(Map.of("type", "text", "text", part.get("text").asText()));
            }
            out.put("content", partsAsList ? parts : text(content));
        } else {
            throw ApiException.invalidParam("messages[" + index + "].content",
                    "'messages[" + index + "].content' must be a string or an array of text parts.");
        }
        if (m.name() != null) {
            out.put("name", m.name());
        }
        if (m.toolCalls() != null && !m.toolCalls().isNull()) {
            out.put("tool_calls", Json.MAPPER.convertValue(m.toolCalls(), Object.class));
        }
        if (m.toolCallId() != null) {
            out.put("tool_call_id", m.toolCallId());
        }
        if (m.reasoningContent() != null) {
            out.put("reasoning_content", m.reasoningContent());
        }
        return out;
    }
}
