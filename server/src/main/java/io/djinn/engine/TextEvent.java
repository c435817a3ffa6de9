package io.djinn.engine;

import java.util.List;

/** What a generation stream carries to the API layer: text as it becomes printable, then one end event. */
public sealed interface TextEvent {

    /**
     * Newly printable text (possibly empty when a token only completes a held-back character later, or while text
     * that may start a stop string is held back).
     *
     * @param tokenIds the tokens generated since the previous delta (empty for a final flush)
     * @param logprobs one entry per token in {@code tokenIds} when logprobs were asked for, else empty
     */
    record Delta(String text, int[] tokenIds, List<TokenLogprobs> logprobs) implements TextEvent {}

    /** @param cachedTokens prompt tokens served from the prefix cache */
    record Finished(FinishReason reason, int promptTokens, int completionTokens, int cachedTokens)
            implements TextEvent {}
}
