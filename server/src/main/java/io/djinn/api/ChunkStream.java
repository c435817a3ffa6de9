package io.djinn.api;

import io.djinn.serving.OutputPlan;
import io.djinn.common.Json;
import io.djinn.engine.TextEvent;
import io.djinn.toolcall.AssistantDelta;
import io.djinn.toolcall.AssistantOutputParser;
import io.smallrye.mutiny.Multi;
import java.util.ArrayList;
import java.util.List;

/**
 * Renders the choices of one request as OpenAI's server-sent events: a role chunk per choice (then the echoed
 * message, if asked), content deltas of all choices interleaved as they come, one finish chunk per choice, an
 * optional usage chunk with {@code choices: []}, then {@code data: [DONE]}. A failure after the stream started is
 * sent in-band as an error event before {@code [DONE]}.
 */
final class ChunkStream {
    private static final String DONE = "data: [DONE]\n\n";

    /** Identity and options shared by every chunk of the response. */
    record Header(String id, long created, String model, String fingerprint, String serviceTier) {}

    private record Indexed(int index, TextEvent event) {}

    private final Header header;
    private final int promptTokens;
    private final boolean includeUsage;
    private final boolean continuousUsage;
    private final String echo;
    private final LogprobsRenderer logprobs;
    /** Completion tokens per choice so far, and cached prompt tokens; touched only by the serialised merge. */
    private final int[] completion;
    private int cachedTokens;
    /** Each choice's output parser (reasoning, content, tool calls). */
    private final AssistantOutputParser[] parsers;
    private final boolean includeReasoning;

    /**
     * @param echo     text every choice starts with (vLLM's echo of the final assistant message), or null
     * @param logprobs renders token log-probabilities, or null when they were not asked for
     */
    ChunkStream(Header header, int choices, int promptTokens, StreamOptions options, String echo,
            LogprobsRenderer logprobs, OutputPlan shaping) {
        this.header = header;
        this.promptTokens = promptTokens;
        this.includeUsage = options != null && options.usage();
        this.continuousUsage = options != null && options.continuousUsage();
        this.echo = echo;
        this.logprobs = logprobs;
        this.completion = new int[choices];
        this.parsers = new AssistantOutputParser[choices];
        for (int i = 0; i < choices; i++) {
            parsers[i] = shaping.parser();
        }
        this.includeReasoning = shaping.includeReasoning();
    }

    Multi<String> render(List<Multi<TextEvent>> choices) {
        List<String> opening = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            opening.add(event(i, new ChatCompletionChunk.Delta("assistant", ""), null, null));
            if (echo != null && !echo.isEmpty()) {
                opening.add(event(i, new ChatCompletionChunk.Delta(null, echo), null, null));
            }
        }
        List<Multi<Indexed>> tagged = new ArrayList<>();
        for (int i = 0; i < choices.size(); i++) {
            int index = i;
            tagged.add(choices.get(i).map(e -> new Indexed(index, e)));
        }
        Multi<Indexed> merged = tagged.size() == 1 ? tagged.getFirst()
                : Multi.createBy().merging().streams(tagged);
        Multi<String> body = merged.onItem().transformToIterable(this::render)
                .onCompletion().switchTo(() -> includeUsage
                        ? Multi.createFrom().item(usageEvent())
                        : Multi.createFrom().empty());
        return Multi.createBy().concatenating().streams(Multi.createFrom().iterable(opening), body)
                .onFailure().recoverWithItem(t -> "data: " + Json.write(ErrorMapper.toApiException(t).body()) + "\n\n")
                .onCompletion().continueWith(DONE);
    }

    private List<String> render(Indexed item) {
        int index = item.index();
        return switch (item.event()) {
            case TextEvent.Delta d -> {
                completion[index] += d.tokenIds().length;
                boolean withLogprobs = logprobs != null && !d.logprobs().isEmpty();
                ChoiceLogprobs lp = withLogprobs ? new ChoiceLogprobs(logprobs.render(d.logprobs()), null) : null;
                AssistantDelta parsed = parsers[index].feed(d.text());
                ChatCompletionChunk.Delta delta = delta(parsed);
                if (delta == null) {
                    yield withLogprobs ? List.of(event(index, new ChatCompletionChunk.Delta(null, ""), lp, null))
                            : List.of();
                }
                yield List.of(event(index, delta, lp, null));
            }
            case TextEvent.Finished f -> {
                completion[index] = f.completionTokens();
                cachedTokens = Math.max(cachedTokens, f.cachedTokens());
                List<String> out = new ArrayList<>(2);
                ChatCompletionChunk.Delta rest = delta(parsers[index].finish());
                if (rest != null) {
                    out.add(event(index, rest, null, null));
                }
                out.add(event(index, new ChatCompletionChunk.Delta(null, null), null,
                        finishReason(f, parsers[index].toolCallCount() > 0)));
                yield out;
            }
        };
    }

    /** finish_reason {@code tool_calls} when the model stopped after calling tools, as OpenAI reports it. */
    static String finishReason(TextEvent.Finished f, boolean calledTools) {
        return calledTools && f.reason() == io.djinn.engine.FinishReason.STOP ? "tool_calls" : f.reason().apiName();
    }

    /** The parsed pieces as one OpenAI delta, or null when there is nothing to send. */
    private ChatCompletionChunk.Delta delta(AssistantDelta parsed) {
        String reasoning = includeReasoning && !parsed.reasoning().isEmpty() ? parsed.reasoning() : null;
        String content = parsed.content().isEmpty() ? null : parsed.content();
        List<ChatCompletionChunk.ToolCallDelta> calls = null;
        if (!parsed.toolCalls().isEmpty()) {
            calls = new ArrayList<>();
            for (var c : parsed.toolCalls()) {
                calls.add(c.first()
                        ? new ChatCompletionChunk.ToolCallDelta(c.index(), c.id(), "function",
                                new ChatCompletionChunk.ToolCallDelta.FunctionDelta(c.name(), c.arguments()))
                        : new ChatCompletionChunk.ToolCallDelta(c.index(), null, null,
                                new ChatCompletionChunk.ToolCallDelta.FunctionDelta(null, c.arguments())));
            }
        }
        if (reasoning == null && content == null && calls == null) {
            return null;
        }
        return new ChatCompletionChunk.Delta(null, content, reasoning, reasoning, calls);
    }

    private String event(int index, ChatCompletionChunk.Delta delta, ChoiceLogprobs lp, String finish) {
        return chunk(List.of(new ChatCompletionChunk.Choice(index, delta, lp, finish)),
                continuousUsage ? usage() : null);
    }

    private String usageEvent() {
        return chunk(List.of(), usage());
    }

    private Usage usage() {
        int total = 0;
        for (int c : completion) {
            total += c;
        }
        return Usage.of(promptTokens, total, Math.min(promptTokens, cachedTokens));
    }

    private String chunk(List<ChatCompletionChunk.Choice> choices, Usage usage) {
        return "data: " + Json.write(new ChatCompletionChunk(header.id(), "chat.completion.chunk", header.created(),
                header.model(), header.fingerprint(), header.serviceTier(), choices, usage)) + "\n\n";
    }
}
