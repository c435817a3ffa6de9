package io.djinn.api;

import io.djinn.engine.TextEvent;
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

    /**
     * @param echo     text every choice starts with (vLLM's echo of the final assistant message), or null
     * @param logprobs renders token log-probabilities, or null when they were not asked for
     */
    ChunkStream(Header header, int choices, int promptTokens, StreamOptions options, String echo,
            LogprobsRenderer logprobs) {
        this.header = header;
        this.promptTokens = promptTokens;
        this.includeUsage = options != null && options.usage();
        this.continuousUsage = options != null && options.continuousUsage();
        this.echo = echo;
        this.logprobs = logprobs;
        this.completion = new int[choices];
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
        return switch (item.event()) {
            case TextEvent.Delta d -> {
                completion[item.index()] += d.tokenIds().length;
                boolean withLogprobs = logprobs != null && !d.logprobs().isEmpty();
                if (d.text().isEmpty() && !withLogprobs) {
                    yield List.of();
                }
                yield List.of(event(item.index(), new ChatCompletionChunk.Delta(null, d.text()),
                        withLogprobs ? new ChoiceLogprobs(logprobs.render(d.logprobs()), null) : null, null));
            }
            case TextEvent.Finished f -> {
                completion[item.index()] = f.completionTokens();
                cachedTokens = Math.max(cachedTokens, f.cachedTokens());
                yield List.of(event(item.index(), new ChatCompletionChunk.Delta(null, null), null,
                        f.reason().apiName()));
            }
        };
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
