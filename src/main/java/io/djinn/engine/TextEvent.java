package io.djinn.engine;

/** What a generation stream carries to the API layer: text as it becomes printable, then one end event. */
public sealed interface TextEvent {

    /** Newly printable text (possibly empty when a token only completes a held-back character later). */
    record Delta(String text, int tokenId) implements TextEvent {}

    record Finished(FinishReason reason, int promptTokens, int completionTokens) implements TextEvent {}
}
