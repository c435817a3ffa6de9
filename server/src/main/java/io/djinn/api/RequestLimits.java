package io.djinn.api;

import io.djinn.common.ApiException;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.config.DjinnConfig;
import io.djinn.tokenizer.TemplateLimits;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Iterator;
import java.util.Map;

/**
 * Size limits on a request that are cheaper to check on the raw JSON tree than after templating: the number of
 * messages, the characters of all the text it carries (content, tools, stop strings, bad_words, documents, template
 * kwargs: every string and field name) and the size of a request's own chat template, which is refused outright
 * unless {@code djinn.api.allow-request-chat-template} is on. A request over a limit is a 400 naming the parameter
 * with both numbers, before any template or tokenizer work is spent on it.
 */
@ApplicationScoped
public class RequestLimits {

    private final int maxMessages;
    private final int maxContentChars;
    private final int maxChatTemplateChars;
    private final boolean allowRequestChatTemplate;
    private final int maxPromptChars;
    private final TemplateLimits templateLimits;

    public RequestLimits(DjinnConfig config) {
        DjinnConfig.Api api = config.api();
        this.maxMessages = api.maxMessages();
        this.maxContentChars = api.maxContentChars();
        this.maxChatTemplateChars = api.maxChatTemplateChars();
        this.allowRequestChatTemplate = api.allowRequestChatTemplate();
        this.maxPromptChars = api.maxPromptChars();
        this.templateLimits = new TemplateLimits(api.maxPromptChars(), api.chatTemplateMaxSteps(),
                api.chatTemplateTimeout());
    }

    /** Characters of a rendered prompt (or a /tokenize prompt) at most, checked before tokenizing. */
    public int maxPromptChars() {
        return maxPromptChars;
    }

    /** What one chat-template rendering may spend. */
    public TemplateLimits templateLimits() {
        return templateLimits;
    }

    /** A 400 when a prompt about to be tokenized is over {@link #maxPromptChars()}. */
    public void checkPrompt(String param, String what, int chars) {
        if (chars > maxPromptChars) {
            throw ApiException.badRequest(param, "prompt_too_long", what + " has " + chars
                    + " characters; at most " + maxPromptChars + " are allowed (djinn.api.max-prompt-chars).");
        }
    }

    public void check(JsonNode request) {
        JsonNode template = request.get("chat_template");
        if (template != null && !template.isNull()) {
            if (!allowRequestChatTemplate) {
                throw ApiException.badRequest("chat_template", "chat_template_not_allowed", "'chat_template' is "
                        + "not accepted by this server (djinn.api.allow-request-chat-template is off); the model's "
                        + "own chat template is used when it is omitted.");
            }
            if (template.isTextual() && template.textValue().length() > maxChatTemplateChars) {
                throw ApiException.badRequest("chat_template", "chat_template_too_long", "'chat_template' has "
                        + template.textValue().length() + " characters; at most " + maxChatTemplateChars
                        + " are allowed.");
            }
        }
        JsonNode messages = request.get("messages");
        if (messages != null && messages.isArray() && messages.size() > maxMessages) {
            throw ApiException.badRequest("messages", "too_many_messages", "'messages' has " + messages.size()
                    + " entries; at most " + maxMessages + " are allowed per request.");
        }
        if (messages != null && messages.isArray()) {
            long content = 0;
            for (JsonNode message : messages) {
                content += contentLength(message.get("content"));
            }
            if (content > maxContentChars) {
                throw ApiException.badRequest("messages", "content_too_long", "The messages' content has " + content
                        + " characters; at most " + maxContentChars + " are allowed per request.");
            }
        }
        // Every text counts, wherever it sits: the largest top-level field is named as the culprit.
        long total = 0;
        long largest = -1;
        String largestName = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = request.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            if ("chat_template".equals(field.getKey())) {
                continue;
            }
            long chars = field.getKey().length() + textLength(field.getValue());
            total += chars;
            if (chars > largest) {
                largest = chars;
                largestName = field.getKey();
            }
        }
        if (total > maxContentChars) {
            String param = largestName.length() > 64 ? null : largestName;
            String code = "messages".equals(param) ? "content_too_long" : "request_text_too_long";
            throw ApiException.badRequest(param, code, "The request carries " + total + " characters of text ("
                    + ("messages".equals(param) ? "the messages' content" : param == null ? "one field"
                            : "'" + param + "'") + " holds " + largest + "); at most " + maxContentChars
                    + " are allowed per request, counting messages, tools, stop strings, bad_words, documents and"
                    + " every other field.");
        }
    }

    /** Characters of a message's text: its string, or its parts' texts. */
    private static long contentLength(JsonNode content) {
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

    /** Characters of every string and field name in {@code node}, iteratively (the tree may be deep). */
    static long textLength(JsonNode node) {
        long n = 0;
        java.util.ArrayDeque<JsonNode> todo = new java.util.ArrayDeque<>();
        todo.push(node);
        while (!todo.isEmpty()) {
            JsonNode x = todo.pop();
            if (x.isTextual()) {
                n += x.textValue().length();
            } else if (x.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = x.fields(); it.hasNext();) {
                    Map.Entry<String, JsonNode> e = it.next();
                    n += e.getKey().length();
                    todo.push(e.getValue());
                }
            } else if (x.isArray()) {
                x.forEach(todo::push);
            }
        }
        return n;
    }
}
