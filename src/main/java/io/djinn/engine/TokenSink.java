package io.djinn.engine;

/**
 * Receives one sequence's output. Called on the engine thread, so implementations hand work off quickly and
 * never block.
 */
public interface TokenSink {

    /** A generated token, stop tokens included (they count as output tokens, as in vLLM and OpenAI). */
    void onToken(int tokenId);

    void onFinish(FinishReason reason);

    /** The sequence failed; the engine keeps serving the others. */
    void onError(Throwable error);
}
