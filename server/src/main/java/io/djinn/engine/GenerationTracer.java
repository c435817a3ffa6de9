package io.djinn.engine;

/**
 * Follows one sequence through the engine, for request traces: waiting for a slot, prefill, decode. Called on the
 * engine thread, so implementations only record. The engine knows nothing of the tracing library; {@code serving}
 * implements this.
 */
public interface GenerationTracer {

    GenerationTracer NONE = (model, promptTokens) -> Trace.NONE;

    /** A sequence was submitted. */
    Trace start(String model, int promptTokens);

    /** One sequence's trace. */
    interface Trace {

        Trace NONE = new Trace() {};

        /** It got a KV-cache slot (the wait ends, prefill begins). */
        default void scheduled(int cachedPromptTokens) {}

        /** Its first token (prefill ends, decode begins). */
        default void firstToken() {}

        /** It ended: {@code reason} ABORT means cancelled. */
        default void finished(FinishReason reason, int completionTokens) {}

        default void failed(Throwable error) {}
    }
}
