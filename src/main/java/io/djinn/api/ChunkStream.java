package io.djinn.api;

import io.djinn.engine.TextEvent;
import io.smallrye.mutiny.Multi;
import java.util.List;

/**
 * Renders a generation as OpenAI's server-sent events: a role chunk, content deltas, a finish chunk, an optional
 * usage chunk with {@code choices: []}, then {@code data: [DONE]}. A failure after the stream started is sent
 * in-band as an error event before {@code [DONE]}.
 */
final class ChunkStream {
    private static final String DONE = "data: [DONE]\n\n";

    private final String id;
    private final long created;
    private final String model;
    private final String fingerprint;
    private final boolean includeUsage;

    ChunkStream(String id, long created, String model, String fingerprint, boolean includeUsage) {
        this.id = id;
        this.created = created;
        this.model = model;
        this.fingerprint = fingerprint;
        this.includeUsage = includeUsage;
    }

    Multi<String> render(Multi<TextEvent> events) {
        String role = event(List.of(new ChatCompletionChunk.Choice(0,
                new ChatCompletionChunk.Delta("assistant", ""), null, null)), null);
        Multi<String> body = events.onItem().transformToIterable(e -> switch (e) {
            case TextEvent.Delta d -> d.text().isEmpty() ? List.<String>of()
                    : List.of(event(List.of(new ChatCompletionChunk.Choice(0,
                            new ChatCompletionChunk.Delta(null, d.text()), null, null)), null));
            case TextEvent.Finished f -> finish(f);
        });
        return Multi.createBy().concatenating().streams(Multi.createFrom().item(role), body)
                .onFailure().recoverWithItem(t -> "data: " + Json.write(ErrorMapper.toApiException(t).body()) + "\n\n")
                .onCompletion().continueWith(DONE);
    }

    private List<String> finish(TextEvent.Finished f) {
        String last = event(List.of(new ChatCompletionChunk.Choice(0, new ChatCompletionChunk.Delta(null, null), null,
                f.reason().apiName())), null);
        if (!includeUsage) {
            return List.of(last);
        }
        return List.of(last, event(List.of(), Usage.of(f.promptTokens(), f.completionTokens(), f.cachedTokens())));
    }

    private String event(List<ChatCompletionChunk.Choice> choices, Usage usage) {
        return "data: " + Json.write(new ChatCompletionChunk(id, "chat.completion.chunk", created, model, fingerprint,
                choices, usage)) + "\n\n";
    }
}
