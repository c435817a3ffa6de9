package io.djinn.redis;

/** What a request meets while Redis is unreachable (configured by {@code djinn.redis.failure-policy}). */
public enum FailurePolicy {
    /** Serve without rate limits; known keys keep working from the last successful lookup. */
    OPEN,
    /** Refuse with 503 and Retry-After. */
    CLOSED;

    public static FailurePolicy parse(String value) {
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "open", "fail-open" -> OPEN;
            case "closed", "fail-closed" -> CLOSED;
            default -> throw new IllegalArgumentException(
                    "djinn.redis.failure-policy must be 'open' or 'closed', not '" + value + "'");
        };
    }
}
