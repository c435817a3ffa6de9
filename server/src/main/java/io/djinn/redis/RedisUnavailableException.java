package io.djinn.redis;

/** Redis did not answer within the timeout, or the connection failed; the failure policy decides what follows. */
public class RedisUnavailableException extends RuntimeException {
    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause, false, false);
    }
}
