package io.djinn.api;

import io.djinn.common.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.config.DjinnConfig;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Size limits on a chat request that are cheaper to check on the raw JSON tree than after templating: the number of
 * messages, the characters of their content and the size of a request's own chat template. A request over a limit
 * is a 400 naming the parameter with both numbers, before any template or tokenizer work is spent on it.
 */
@ApplicationScoped
public class RequestLimits {

    private final int maxMessages;
    private final int maxContentChars;
    private final int maxChatTemplateChars;

    public RequestLimits(DjinnConfig config) {
        this.maxMessages = config.api().maxMessages();
        this.maxContentChars = config.api().maxContentChars();
        this.maxChatTemplateChars = config.api().maxChatTemplateChars();
    }

    public void check(JsonNode request) {
        JsonNode template = request.get("chat_template");
        if (template != null && template.isTextual() && template.textValue().length() > maxChatTemplateChars) {
            throw ApiException.badRequest("chat_template", "chat_template_too_long", "'chat_template' has "
                    + template.textValue().length() + " characters; at most " + maxChatTemplateChars
                    + " are allowed.");
        }
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray()) {
            return;
        }
        if (messages.size() > maxMessages) {
            throw ApiException.badRequest("messages", "too_many_messages", "'messages' has " + messages.size()
                    + " entries; at most " + maxMessages + " are allowed per request.");
        }
        long chars = 0;
        for (JsonNode message : messages) {
            chars += textLength(message.get("content"));
        }
        if (chars > maxContentChars) {
            throw ApiException.badRequest("messages", "content_too_long", "The messages' content has " + chars
                    + " characters; at most " + maxContentChars + " are allowed per request.");
        }
    }

    private static long textLength(JsonNode content) {
        if (content == null) {
            return 0;
        }
        if (content.isTextual()) {
            return content.textValue().length();
        }
        long n = 0;
        if (content.isArray()) {
            for (JsonNode part : content) {
                JsonNode text = part.get("text");
                if (text != null && text.isTextual()) {
                    n += text.textValue().length();
                }
            }
        }
        return n;
    }
}
