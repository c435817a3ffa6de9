package io.djinn.ratelimit;

/** Which limit refused a request; {@link #apiType()} is the OpenAI error {@code type} naming it. */
public enum LimitKind {
    CONCURRENCY("concurrent_requests"),
    REQUESTS("requests"),
    TOKENS("tokens"),
    /** The request alone reserves more tokens than the per-minute limit: it can never be admitted. */
    REQUEST_TOO_LARGE("tokens");

    private final String apiType;

    LimitKind(String apiType) {
        this.apiType = apiType;
    }

    public String apiType() {
        return apiType;
    }
}
