package io.djinn.ratelimit;

/**
 * The outcome of an admission check. {@code requests}/{@code tokens} are null when that dimension is unlimited;
 * {@code refusedBy} and {@code retryAfterMillis} are set only when refused.
 */
public record Decision(boolean admitted, LimitKind refusedBy, long retryAfterMillis, Window requests, Window tokens) {

    public static final Decision UNLIMITED = new Decision(true, null, 0, null, null);
}
