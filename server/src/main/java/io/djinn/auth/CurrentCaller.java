package io.djinn.auth;

import jakarta.enterprise.context.RequestScoped;

/** The caller the auth filter established, handed to the resource of the same request. */
@RequestScoped
public class CurrentCaller {

    private Caller caller;

    void set(Caller caller) {
        this.caller = caller;
    }

    /** Never null: a request that reached a resource unauthenticated came through a path the filter leaves open. */
    public Caller get() {
        if (caller == null) {
            throw new IllegalStateException("no authenticated caller for this request");
        }
        return caller;
    }
}
