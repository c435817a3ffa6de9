package io.djinn.auth;

/** A key's budget; 0 in a field means that dimension is unlimited. */
public record Limits(int requestsPerMinute, int tokensPerMinute, int maxConcurrentRequests) {

    public static final Limits UNLIMITED = new Limits(0, 0, 0);

    public Limits {
        if (requestsPerMinute < 0 || tokensPerMinute < 0 || maxConcurrentRequests < 0) {
            throw new IllegalArgumentException("limits must not be negative");
        }
    }

    public boolean unlimited() {
        return requestsPerMinute == 0 && tokensPerMinute == 0 && maxConcurrentRequests == 0;
    }
}
