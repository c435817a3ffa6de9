package io.djinn.api;

import io.djinn.auth.Caller;
import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.djinn.config.DjinnConfig;
import io.djinn.serving.Generations;
import io.djinn.serving.ServedModel;
import io.djinn.toolcall.AssistantMessage;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Chat completions over HTTP: parses and cross-checks the request, renders the chat prompt, hands the rest to
 * {@link Generations} (the request path every generating endpoint shares) and writes OpenAI's JSON or SSE chunks.
 * Everything that can refuse a request happens before any byte of the response is written.
 */
@ApplicationScoped
public class ChatCompletions {

    private final Generations generations;
    private final RequestParser parser;
    private final DjinnConfig config;

    public ChatCompletions(Generations generations, RequestParser parser, DjinnConfig config) {
        this.generations = generations;
        this.parser = parser;
        this.config = config;
    }

    /**
     * A request that passed every check and is ready to run.
     *
     * @param echo text each choice's content starts with (echo of the final assistant message), or null
     */
    record Prepared(ChatCompletionRequest request, Generations.Prepared run, String echo) {}

    public Uni<HttpReply> handle(byte[] body, Caller caller) {
        Prepared p;
        Generations.Running running;
        try {
            p = prepare(body);
            running = generations.start(p.run(), caller);
        } catch (ApiException e) {
            return Uni.createFrom().item(error(e));
        }
        ServedModel model = p.run().model();
        ChunkStream.Header header = new ChunkStream.Header(
                "chatcmpl-" + UUID.randomUUID().toString().replace("-", ""), System.currentTimeMillis() / 1000,
                model.id(), fingerprint(model), p.run().serviceTier());
        LogprobsRenderer logprobs = Boolean.TRUE.equals(p.request().logprobs())
                ? new LogprobsRenderer(model.tokenizer(), p.request().topLogprobsOrZero()) : null;
        int prompt = p.run().prompt().length;
        if (p.request().streaming()) {
            ChunkStream stream = new ChunkStream(header, running.choices().size(), prompt,
                    p.request().streamOptions(), p.echo(), logprobs, p.run().shaping());
            // The status is decided once the engine has taken every choice and produced its first event: a request it
            // refuses (queue full, queue timeout) still gets its 503 before the stream exists.
            return running.opened().map(opened -> HttpReply.eventStream(
                    KeepAlive.wrap(stream.render(opened), config.api().keepAliveInterval()))
                    .withHeaders(running.headers()))
                    .onFailure().recoverWithItem(t -> error(ErrorMapper.toApiException(t)));
        }
        boolean includeReasoning = p.run().shaping().includeReasoning();
        return running.assembled().map(list -> {
            List<ChatCompletion.Choice> out = new ArrayList<>();
            int completion = 0;
            int cached = 0;
            for (Generations.Choice r : list) {
                out.add(choice(r, p.echo(), logprobs, includeReasoning));
                completion += r.end().completionTokens();
                cached = Math.max(cached, r.end().cachedTokens());
            }
            ChatCompletion c = new ChatCompletion(header.id(), "chat.completion", header.created(), header.model(),
                    header.fingerprint(), header.serviceTier(), out, Usage.of(prompt, completion,
                            Math.min(prompt, cached)));
            return HttpReply.json(200, Json.write(c), running.headers());
        }).onFailure().recoverWithItem(t -> error(ErrorMapper.toApiException(t)));
    }

    /** One finished choice as OpenAI's {@code choices[i]}. */
    private static ChatCompletion.Choice choice(Generations.Choice r, String echo, LogprobsRenderer renderer,
            boolean includeReasoning) {
        AssistantMessage m = r.message();
        ChoiceLogprobs lp = renderer == null ? null : new ChoiceLogprobs(renderer.render(r.logprobs()), null);
        String content = (echo == null ? "" : echo) + m.content();
        List<ChatCompletion.ToolCall> calls = new ArrayList<>();
        for (var c : m.toolCalls()) {
            calls.add(new ChatCompletion.ToolCall(c.id(), "function",
                    new ChatCompletion.ToolCall.Function(c.name(), c.arguments())));
        }
        String reasoning = includeReasoning && !m.reasoning().isEmpty() ? m.reasoning() : null;
        return new ChatCompletion.Choice(r.index(), new ChatCompletion.Message("assistant",
                content.isEmpty() && !calls.isEmpty() ? null : content, null, reasoning, reasoning, calls), lp,
                ChunkStream.finishReason(r.end(), !calls.isEmpty()));
    }

    Prepared prepare(byte[] body) {
        return prepare(parser.parse(body, ChatCompletionRequest.class, UnsupportedParameters::check));
    }

    /** A parsed chat request (also what {@code /v1/responses} becomes): checked, rendered and prepared. */
    Prepared prepare(ChatCompletionRequest req) {
        checkOptions(req);
        ServedModel model = generations.model(req.model());
        ChatPrompts.ChatPrompt chat = ChatPrompts.build(req.promptSpec(), model, parser.limits(),
                req.truncatePromptTokens() == null);
        Generations.Prepared run = generations.prepare(model,
                new Generations.Prompt(chat.tokens(), chat.text(), "messages"), req);
        String echo = Boolean.TRUE.equals(req.echo()) ? chat.finalAssistantText() : null;
        return new Prepared(req, run, echo);
    }

    /** Cross-field rules of the request's options (shared with the legacy completions). */
    static void checkOptions(ChatCompletionRequest req) {
        if (req.streamOptions() != null && !req.streaming()) {
            throw ApiException.invalidParam("stream_options",
                    "'stream_options' is only allowed when 'stream' is true.");
        }
        if (req.topLogprobs() != null && req.topLogprobs() > 0 && !Boolean.TRUE.equals(req.logprobs())) {
            throw ApiException.invalidParam("top_logprobs", "'top_logprobs' requires 'logprobs' to be true.");
        }
    }

    static String fingerprint(ServedModel model) {
        return "fp_djinn_" + Integer.toHexString(model.id().hashCode() ^ model.config().hashCode());
    }

    static HttpReply error(ApiException e) {
        return HttpReply.json(e.status(), Json.write(e.body()), e.headers());
    }
}
