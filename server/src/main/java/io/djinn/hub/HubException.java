package io.djinn.hub;

import java.io.IOException;

/**
 * A checkpoint that cannot be had from the Hub or its cache, with a message that says what to do about it (pass a
 * token, fix the name or revision, go offline with a filled cache, use a local folder).
 */
public class HubException extends IOException {

    /** Why, as far as deciding whether a cached copy may stand in for the Hub's answer. */
    public enum Reason {
        /** No answer: connection refused or reset, timeout, DNS; or the Hub failed (5xx, 429). */
        UNREACHABLE,
        /** 401 or 403: gated, private, or a refused token. */
        DENIED,
        /** The repository (or a file) does not exist, or is hidden from this caller. */
        NOT_FOUND,
        /** The repository exists but the revision does not. */
        REVISION_NOT_FOUND,
        /** Anything else: a bad or corrupt download, a checkpoint Djinn cannot serve. */
        INVALID
    }

    private final Reason reason;

    public HubException(String message) {
        this(Reason.INVALID, message, null);
    }

    public HubException(String message, Throwable cause) {
        this(Reason.INVALID, message, cause);
    }

    public HubException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
