package io.djinn.engine;

/**
 * What the engine reports for metrics; called on the engine thread, so implementations only record numbers.
 * The engine knows nothing of the metrics library; {@code serving} implements this.
 */
public interface EngineListener {

    EngineListener NONE = new EngineListener() {};

    /** A sequence got its first slot after waiting {@code queueSeconds}; {@code cachedTokens} came from the prefix cache. */
    default void scheduled(double queueSeconds, int promptTokens, int cachedTokens) {}

    default void firstToken(double secondsSinceSubmit) {}

    /** A later token, {@code seconds} after the previous one of the same sequence. */
    default void interToken(double seconds) {}

    /** The sequence ended (any reason but an error); {@code reason} ABORT means cancelled. */
    default void finished(FinishReason reason, int generatedTokens, double secondsSinceSubmit) {}

    /** The sequence was refused: queue full or waited too long. */
    default void rejected() {}

    default void preempted() {}

    default void failed() {}

    /** A step ran: one token for each of {@code decodeRows} decoding sequences and {@code promptTokens} of prompts. */
    default void stepped(int decodeRows, int promptTokens) {}
}
