package io.djinn.engine;

/**
 * Receives one sequence's output. Called on the engine thread, so implementations hand work off quickly and
 * never block.
 */
public interface TokenSink {

    /** The sequence got a cache slot; {@code cachedPromptTokens} of its prompt were found in the prefix cache. */
    default void onScheduled(int cachedPromptTokens) {}

    /**
     * A generated token, stop tokens included (they count as output tokens, as in vLLM and OpenAI).
     *
     * @param logprobs null unless the sequence asked for logprobs
     * @return false to end the sequence now with {@link FinishReason#STOP} (a stop string matched)
     */
    boolean onToken(int tokenId, TokenLogprobs logprobs);

    void onFinish(FinishReason reason);

    /** The sequence failed; the engine keeps serving the others. */
    void onError(Throwable error);
}
