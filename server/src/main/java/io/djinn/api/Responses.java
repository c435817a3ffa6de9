package io.djinn.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.djinn.auth.Caller;
import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.djinn.config.DjinnConfig;
import io.djinn.engine.FinishReason;
import io.djinn.engine.SamplingParams;
import io.djinn.engine.TextEvent;
import io.djinn.serving.Generations;
import io.djinn.redis.RedisUnavailableException;
import io.djinn.responses.ResponseStore;
import io.djinn.responses.StoredResponse;
import io.djinn.toolcall.AssistantOutputParser;
import io.djinn.toolcall.AssistantDelta;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The Responses API use case: the request becomes a chat-completions request (see {@link ResponsesRequests}) and
 * runs on the chat-completions path (template, engine, constrained decoding, tool and reasoning parsers, rate limits,
 * usage metering); its output is rendered as response items and semantic events, and stored (with its input) unless
 * {@code store} is false.
 */
@ApplicationScoped
public class Responses {

    private final ChatCompletions chat;
    private final Generations generations;
    private final RequestParser parser;
    private final ResponseStore store;
    private final DjinnConfig config;

    public Responses(ChatCompletions chat, Generations generations, RequestParser parser, ResponseStore store,
            DjinnConfig config) {
        this.chat = chat;
        this.generations = generations;
        this.parser = parser;
        this.store = store;
        this.config = config;
    }

    /** A request ready to run: the chat preparation, the response as it starts, and what is stored with it. */
    record Prepared(ChatCompletions.Prepared chat, ResponseObject start, List<JsonNode> input,
            List<JsonNode> conversation) {}

    public Uni<HttpReply> handle(byte[] body, Caller caller) {
        Prepared p;
        Generations.Running running;
        try {
            p = prepare(body, caller);
            running = generations.start(p.chat().run(), caller);
        } catch (ApiException e) {
            return Uni.createFrom().item(ChatCompletions.error(e));
        } catch (RedisUnavailableException e) {
            return Uni.createFrom().item(ChatCompletions.error(storeUnavailable()));
        }
        Run run = new Run(p, p.chat().run().shaping().parser(), caller);
        if (p.chat().request().streaming()) {
            // The status leaves once the engine has taken the request (a refusal is still a 503).
            return running.opened().map(opened -> HttpReply.eventStream(
                    KeepAlive.wrap(run.stream(opened.getFirst()), config.api().keepAliveInterval()))
                    .withHeaders(running.headers()))
                    .onFailure().recoverWithItem(t -> ChatCompletions.error(toApi(t)));
        }
        return running.choices().getFirst().collect().asList().chain(events -> {
            for (TextEvent e : events) {
                run.on(e);
            }
            return run.finish();
        }).map(response -> HttpReply.json(200, Json.write(response), running.headers()))
                .onFailure().recoverWithItem(t -> ChatCompletions.error(toApi(t)));
    }

    private static ApiException toApi(Throwable t) {
        return t instanceof RedisUnavailableException ? storeUnavailable() : ErrorMapper.toApiException(t);
    }

    private static ApiException storeUnavailable() {
        return new ApiException(503, "server_error", "store_unavailable", null,
                "Stored responses are unavailable right now (Redis does not answer); retry, or send store: false "
                        + "without previous_response_id.", Map.of("Retry-After", List.of("1")));
    }

    /** One response being generated: parses the deltas into items and events, and stores the result. */
    private final class Run {
        private final Prepared p;
        private final AssistantOutputParser parser;
        private final Caller caller;
        private final ResponseOutput output = new ResponseOutput();
        private int sequence;
        private int reasoningTokens;
        private TextEvent.Finished end;

        Run(Prepared p, AssistantOutputParser parser, Caller caller) {
            this.p = p;
            this.parser = parser;
            this.caller = caller;
        }

        void on(TextEvent e) {
            switch (e) {
                case TextEvent.Delta d -> {
                    AssistantDelta parsed = parser.feed(d.text());
                    if (!parsed.reasoning().isEmpty()) {
                        reasoningTokens += d.tokenIds().length;
                    }
                    output.add(parsed);
                }
                case TextEvent.Finished f -> {
                    output.add(parser.finish());
                    end = f;
                    output.finish(f.reason() == FinishReason.LENGTH);
                }
            }
        }

        /** The final response, stored first when asked to. */
        Uni<ResponseObject> finish() {
            if (end == null) {
                throw new IllegalStateException("generation ended without a finish event");
            }
            int input = p.chat().run().prompt().length;
            ResponseObject.ResponseUsage usage = ResponseObject.ResponseUsage.of(input,
                    Math.min(input, end.cachedTokens()), end.completionTokens(),
                    Math.min(reasoningTokens, end.completionTokens()));
            boolean cut = end.reason() == FinishReason.LENGTH;
            ResponseObject done = p.start().with(cut ? "incomplete" : "completed",
                    cut ? new ResponseObject.IncompleteDetails("max_output_tokens") : null, output.items(), usage);
            if (!p.start().store()) {
                return Uni.createFrom().item(done);
            }
            StoredResponse stored = new StoredResponse(caller.keyId(), Json.MAPPER.valueToTree(done), p.input(),
                    p.conversation());
            return store.save(done.id(), stored).replaceWith(done);
        }

        Multi<String> stream(Multi<TextEvent> events) {
            ResponseObject start = p.start().with("in_progress", null, List.of(), null);
            List<String> opening = List.of(sse(wrap("response.created", start)), sse(wrap("response.in_progress",
                    start)));
            Multi<String> body = events.onItem().transformToIterable(e -> {
                on(e);
                return render(output.takeEvents());
            }).onCompletion().switchTo(() -> Multi.createFrom().uni(finish()).onItem().transformToIterable(
                    done -> List.of(sse(wrap("completed".equals(done.status()) ? "response.completed"
                            : "response.incomplete", done)))));
            return Multi.createBy().concatenating().streams(Multi.createFrom().iterable(opening), body)
                    .onFailure().recoverWithItem(t -> {
                        ApiException e = toApi(t);
                        ObjectNode error = Json.MAPPER.createObjectNode().put("type", "error")
                                .put("code", e.code()).put("message", e.getMessage()).put("param", e.param());
                        return sse(error);
                    });
        }

        private List<String> render(List<ObjectNode> events) {
            List<String> out = new ArrayList<>(events.size());
            for (ObjectNode e : events) {
                out.add(sse(e));
            }
            return out;
        }

        private ObjectNode wrap(String type, ResponseObject response) {
            ObjectNode e = Json.MAPPER.createObjectNode().put("type", type);
            e.set("response", Json.MAPPER.valueToTree(response));
            return e;
        }

        private String sse(ObjectNode event) {
            event.put("sequence_number", sequence++);
            return "event: " + event.get("type").asText() + "\ndata: " + Json.write(event) + "\n\n";
        }
    }

    Prepared prepare(byte[] body, Caller caller) {
        AtomicReference<JsonNode> raw = new AtomicReference<>();
        ResponsesRequest req = parser.parse(body, ResponsesRequest.class, tree -> {
            ResponsesRequests.checkUnsupported(tree);
            raw.set(tree);
        });
        List<JsonNode> input = ResponsesRequests.inputItems(req.input());
        List<JsonNode> conversation = new ArrayList<>();
        if (req.previousResponseId() != null) {
            StoredResponse previous = find(req.previousResponseId(), caller).orElseThrow(() -> ApiException
                    .badRequest("previous_response_id", "previous_response_not_found", "Previous response with id '"
                            + abbreviate(req.previousResponseId()) + "' not found."));
            conversation.addAll(previous.conversation());
            previous.response().path("output").forEach(conversation::add);
        }
        conversation.addAll(input);

        ObjectNode chatBody = Json.MAPPER.createObjectNode();
        for (String name : ResponsesRequest.EXTRAS) {
            if (raw.get().has(name)) {
                chatBody.set(name, raw.get().get(name));
            }
        }
        if (req.model() != null) {
            chatBody.put("model", req.model());
        }
        chatBody.set("messages", ResponsesRequests.messages(req.instructions(), conversation));
        if (req.maxOutputTokens() != null) {
            chatBody.put("max_completion_tokens", req.maxOutputTokens());
        }
        ArrayNode tools = req.tools() == null ? null : ResponsesRequests.tools(req.tools());
        if (tools != null) {
            chatBody.set("tools", tools);
        }
        JsonNode toolChoice = ResponsesRequests.toolChoice(req.toolChoice());
        if (toolChoice != null) {
            chatBody.set("tool_choice", toolChoice);
        }
        JsonNode format = ResponsesRequests.responseFormat(req.text());
        if (format != null) {
            chatBody.set("response_format", format);
        }
        String effort = ResponsesRequests.reasoningEffort(req.reasoning());
        if (effort != null) {
            chatBody.put("reasoning_effort", effort);
        }
        if ("auto".equals(req.truncation())) {
            chatBody.put("truncate_prompt_tokens", -1);
        }
        ChatCompletions.Prepared prepared;
        try {
            ChatCompletionRequest chatReq = parser.parse(Json.write(chatBody).getBytes(StandardCharsets.UTF_8),
                    ChatCompletionRequest.class, tree -> { });
            prepared = chat.prepare(chatReq);
        } catch (ApiException e) {
            throw ResponsesRequests.renamed(e);
        }
        SamplingParams sampling = prepared.run().choiceParams().getFirst();
        ResponseObject start = new ResponseObject(ResponsesRequests.newId("resp_"), "response",
                System.currentTimeMillis() / 1000, "in_progress", null, null, req.instructions(),
                req.maxOutputTokens(), prepared.run().model().id(), List.of(),
                !Boolean.FALSE.equals(req.parallelToolCalls()), req.previousResponseId(),
                new ResponseObject.Reasoning(effort, null), prepared.run().serviceTier(), req.stored(),
                sampling.temperature(), new ResponseObject.Text(format(req.text())),
                req.toolChoice() == null ? Json.MAPPER.getNodeFactory().textNode(tools == null || tools.isEmpty()
                        ? "none" : "auto") : req.toolChoice(),
                req.tools() == null ? List.of() : req.tools(), sampling.topP(),
                req.truncation() == null ? "disabled" : req.truncation(), null, req.user(),
                req.metadata() == null ? Map.of() : req.metadata());
        return new Prepared(prepared, start, input, conversation);
    }

    private static JsonNode format(JsonNode text) {
        JsonNode f = text == null ? null : text.get("format");
        return f == null || f.isNull() ? Json.MAPPER.createObjectNode().put("type", "text") : f;
    }

    /** A stored response of this caller's key; another key's response reads as absent. */
    Optional<StoredResponse> find(String id, Caller caller) {
        Optional<StoredResponse> found = store.find(id).await().atMost(storeTimeout());
        return found.filter(r -> r.owner().equals(caller.keyId()));
    }

    private Duration storeTimeout() {
        return config.redis().timeout().multipliedBy(4);
    }

    /** {@code GET /v1/responses/{id}}. */
    Uni<HttpReply> retrieve(String id, Caller caller) {
        return owned(id, caller).map(r -> r.map(s -> HttpReply.json(200, Json.write(s.response()), Map.of()))
                .orElseGet(() -> ChatCompletions.error(notFound(id))))
                .onFailure().recoverWithItem(t -> ChatCompletions.error(toApi(t)));
    }

    /** {@code DELETE /v1/responses/{id}}. */
    Uni<HttpReply> delete(String id, Caller caller) {
        return owned(id, caller).chain(r -> r.isEmpty() ? Uni.createFrom().item(ChatCompletions.error(notFound(id)))
                : store.delete(id).map(x -> {
                    ObjectNode deleted = Json.MAPPER.createObjectNode().put("id", id).put("object", "response.deleted")
                            .put("deleted", true);
                    return HttpReply.json(200, Json.write(deleted), Map.of());
                })).onFailure().recoverWithItem(t -> ChatCompletions.error(toApi(t)));
    }

    /** {@code GET /v1/responses/{id}/input_items}: the request's own input items, paged as OpenAI lists. */
    Uni<HttpReply> inputItems(String id, Caller caller, Integer limit, String order, String after) {
        int n = limit == null ? 20 : limit;
        if (n < 1 || n > 100) {
            return Uni.createFrom().item(ChatCompletions.error(ApiException.invalidParam("limit",
                    "'limit' must be between 1 and 100 (got " + n + ").")));
        }
        String direction = order == null ? "desc" : order;
        if (!direction.equals("asc") && !direction.equals("desc")) {
            return Uni.createFrom().item(ChatCompletions.error(ApiException.invalidParam("order",
                    "'order' must be asc or desc.")));
        }
        return owned(id, caller).map(r -> {
            if (r.isEmpty()) {
                return ChatCompletions.error(notFound(id));
            }
            List<JsonNode> items = new ArrayList<>(r.get().input());
            if (direction.equals("desc")) {
                java.util.Collections.reverse(items);
            }
            int from = 0;
            if (after != null) {
                from = -1;
                for (int i = 0; i < items.size(); i++) {
                    if (after.equals(items.get(i).path("id").asText())) {
                        from = i + 1;
                    }
                }
                if (from < 0) {
                    return ChatCompletions.error(ApiException.invalidParam("after", "'after' is not the id of an "
                            + "input item of this response."));
                }
            }
            List<JsonNode> page = items.subList(from, Math.min(items.size(), from + n));
            ObjectNode list = Json.MAPPER.createObjectNode().put("object", "list");
            list.putArray("data").addAll(page);
            list.put("first_id", page.isEmpty() ? null : page.getFirst().path("id").asText());
            list.put("last_id", page.isEmpty() ? null : page.getLast().path("id").asText());
            list.put("has_more", from + n < items.size());
            return HttpReply.json(200, Json.write(list), Map.of());
        }).onFailure().recoverWithItem(t -> ChatCompletions.error(toApi(t)));
    }

    private Uni<Optional<StoredResponse>> owned(String id, Caller caller) {
        return store.find(id).map(r -> r.filter(s -> s.owner().equals(caller.keyId())));
    }

    private static ApiException notFound(String id) {
        return new ApiException(404, "invalid_request_error", "not_found", "response_id", "Response with id '"
                + abbreviate(id) + "' not found.", Map.of());
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
