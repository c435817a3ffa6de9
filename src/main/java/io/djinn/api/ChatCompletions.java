package io.djinn.api;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.auth.Caller;
import io.djinn.engine.Priority;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.ServedModel;
import io.djinn.engine.TextEvent;
import io.djinn.ratelimit.RequestAdmission;
import io.djinn.ratelimit.Reservation;
import io.djinn.serving.ModelHost;
import io.djinn.tokenizer.ChatTemplate;
import io.djinn.tokenizer.ChatTemplateException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The chat-completions use case: request → prompt tokens → engine → OpenAI-shaped JSON or SSE. Everything that can
 * refuse a request happens in {@link #prepare} before any byte of the response is written.
 */
@ApplicationScoped
public class ChatCompletions {

    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {};

    private final ModelHost host;
    private final RequestParser parser;
    private final RequestAdmission admission;

    public ChatCompletions(ModelHost host, RequestParser parser, RequestAdmission admission) {
        this.host = host;
        this.parser = parser;
        this.admission = admission;
    }

    /** A request that passed every check and is ready to run. */
    record Prepared(ChatCompletionRequest request, ServedModel model, int[] prompt, SamplingParams params) {}

    public Uni<HttpReply> handle(byte[] body, Caller caller) {
        Prepared p;
        Reservation admitted;
        Priority priority = Priority.DEFAULT;
        try {
            p = prepare(body);
            admitted = admission.admit(caller, p.model().id(), p.prompt().length, p.params().maxTokens(), priority);
        } catch (ApiException e) {
            return Uni.createFrom().item(error(e));
        }
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        Multi<TextEvent> events = admitted.track(p.model().generate(p.prompt(), p.params(), priority));
        if (p.request().streaming()) {
            boolean usage = p.request().streamOptions() != null && p.request().streamOptions().usage();
            return Uni.createFrom().item(HttpReply.eventStream(
                    new ChunkStream(id, created, p.model().id(), fingerprint(p.model()), usage).render(events))
                    .withHeaders(admitted.headers()));
        }
        return events.collect().asList().map(list -> {
            StringBuilder text = new StringBuilder();
            TextEvent.Finished end = null;
            for (TextEvent e : list) {
                if (e instanceof TextEvent.Delta d) {
                    text.append(d.text());
                } else if (e instanceof TextEvent.Finished f) {
                    end = f;
                }
            }
            if (end == null) {
                throw new IllegalStateException("generation ended without a finish event");
            }
            ChatCompletion c = new ChatCompletion(id, "chat.completion", created, p.model().id(),
                    fingerprint(p.model()), List.of(new ChatCompletion.Choice(0,
                            new ChatCompletion.Message("assistant", text.toString()), null, end.reason().apiName())),
                    Usage.of(end.promptTokens(), end.completionTokens(), end.cachedTokens()));
            return HttpReply.json(200, Json.write(c), admitted.headers());
        }).onFailure().recoverWithItem(t -> error(ErrorMapper.toApiException(t)));
    }

    Prepared prepare(byte[] body) {
        ChatCompletionRequest req = parser.parse(body, ChatCompletionRequest.class, UnsupportedParameters::check);
        ServedModel model = host.ready().orElseThrow(ApiException::notReady);
        if (req.model() != null && !req.model().equals(model.id())) {
            throw ApiException.modelNotFound(req.model());
        }
        String promptText = renderPrompt(req, model);
        int[] prompt = model.tokenizer().encode(promptText);
        int context = model.maxContext();
        if (prompt.length == 0) {
            throw ApiException.badRequest("messages", "empty_prompt", "The rendered prompt has no tokens.");
        }
        if (prompt.length >= context) {
            throw ApiException.badRequest("messages", "context_length_exceeded", "This model's maximum context "
                    + "length is " + context + " tokens, but the messages take " + prompt.length
                    + " tokens, leaving no room for output.");
        }
        int room = context - prompt.length;
        Integer asked = req.requestedMaxTokens();
        if (asked != null && asked > room) {
            String param = req.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
            throw ApiException.badRequest(param, "context_length_exceeded", "This model's maximum context length is "
                    + context + " tokens. The messages take " + prompt.length + " tokens and " + param + " asks for "
                    + asked + ", which is " + (prompt.length + asked) + " in total.");
        }
        var gen = model.generationConfig();
        double temperature = req.temperature() != null ? req.temperature()
                : gen.temperature() != null ? gen.temperature() : 1.0;
        double topP = req.topP() != null ? req.topP() : gen.topP() != null ? gen.topP() : 1.0;
        int topK = req.topK() != null ? req.topK() : gen.topK() != null ? gen.topK() : 0;
        SamplingParams params = SamplingParams.builder().temperature(temperature).topP(topP).topK(topK)
                .seed(req.seed()).maxTokens(asked != null ? asked : room).eosTokenIds(gen.eosTokenIds())
                .ignoreEos(Boolean.TRUE.equals(req.ignoreEos()))
                .skipSpecialTokens(!Boolean.FALSE.equals(req.skipSpecialTokens())).build();
        return new Prepared(req, model, prompt, params);
    }

    private String renderPrompt(ChatCompletionRequest req, ServedModel model) {
        List<Map<String, Object>> messages = new ArrayList<>();
        for (int i = 0; i < req.messages().size(); i++) {
            messages.add(templateMessage(req.messages().get(i), i));
        }
        ChatTemplate template = model.chatTemplate();
        if (req.chatTemplate() != null) {
            template = ChatTemplate.of(req.chatTemplate(), model.tokenizer().bosToken(), model.tokenizer().eosToken());
        }
        if (template == null) {
            throw ApiException.badRequest("chat_template", "missing_chat_template",
                    "The model has no chat template; send one in 'chat_template'.");
        }
        Map<String, Object> vars = new HashMap<>();
        if (req.chatTemplateKwargs() != null) {
            vars.putAll(req.chatTemplateKwargs());
        }
        if (req.documents() != null) {
            vars.put("documents", req.documents());
        }
        if (req.reasoningEffort() != null) {
            vars.put("reasoning_effort", req.reasoningEffort());
        }
        try {
            return template.render(messages, null, !Boolean.FALSE.equals(req.addGenerationPrompt()), vars);
        } catch (ChatTemplateException e) {
            throw ApiException.badRequest("messages", "chat_template_error",
                    "The chat template failed: " + e.getMessage());
        }
    }

    /** The message as chat templates expect it; text parts are joined into one string. */
    private static Map<String, Object> templateMessage(ChatMessage m, int index) {
        Map<String, Object> out = new HashMap<>();
        out.put("role", m.role());
        JsonNode content = m.content();
        if (content == null || content.isNull()) {
            if (!"assistant".equals(m.role())) {
                throw ApiException.invalidParam("messages[" + index + "].content", "'messages[" + index
                        + "].content' is required for role '" + m.role() + "'.");
            }
            out.put("content", null);
        } else if (content.isTextual()) {
            out.put("content", content.asText());
        } else if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
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
                sb.append(part.get("text").asText());
            }
            out.put("content", sb.toString());
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

    static String fingerprint(ServedModel model) {
        return "fp_djinn_" + Integer.toHexString(model.id().hashCode() ^ model.config().hashCode());
    }

    static HttpReply error(ApiException e) {
        return HttpReply.json(e.status(), Json.write(e.body()), e.headers());
    }
}
