package io.djinn.engine;

/** The engine refused a sequence: its waiting queue is full, or the sequence waited past the queue timeout. */
public final class EngineOverloadedException extends RuntimeException {
    private final int retryAfterSeconds;

    public EngineOverloadedException(String message, int retryAfterSeconds) {
        super(message, null, false, false);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
