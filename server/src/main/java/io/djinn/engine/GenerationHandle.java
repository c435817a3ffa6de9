package io.djinn.engine;

/** A submitted sequence: the caller can only cancel it; output arrives through its {@link TokenSink}. */
public interface GenerationHandle {
    /** Stops the sequence at the next engine step and frees its cache slot. Idempotent. */
    void cancel();
}
