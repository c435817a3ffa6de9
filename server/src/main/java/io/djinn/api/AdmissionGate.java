package io.djinn.api;

import io.djinn.common.ApiException;
import io.djinn.common.Json;
import io.djinn.serving.ServingLifecycle;
import io.quarkus.vertx.http.runtime.filters.Filters;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

/**
 * The HTTP side of graceful shutdown, ahead of routing: counts the API requests whose responses are still open
 * (a stream counts until its last frame) and, once shutdown has begun, answers new ones with an OpenAI-shaped 503
 * and Retry-After. Health and metrics paths stay open so probes see the truth while the server drains.
 */
@ApplicationScoped
public class AdmissionGate {

    /** Runs before Quarkus' own filters (CORS, auth) so a draining server does no work for new requests. */
    private static final int PRIORITY = 10_000;

    private final ServingLifecycle lifecycle;

    public AdmissionGate(ServingLifecycle lifecycle) {
        this.lifecycle = lifecycle;
    }

    void register(@Observes Filters filters) {
        filters.register(this::gate, PRIORITY);
    }

    private void gate(RoutingContext rc) {
        if (!isApiPath(rc.normalizedPath())) {
            rc.next();
            return;
        }
        var response = rc.response();
        ServingLifecycle.Admission admission = lifecycle.tryAdmit(() -> response.ended() || response.closed());
        if (admission == null) {
            ApiException e = ApiException.shuttingDown(lifecycle.retryAfterSeconds());
            response.setStatusCode(e.status()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json");
            e.headers().forEach((name, values) -> response.putHeader(name, values));
            response.end(Json.write(e.body()));
            return;
        }
        rc.addEndHandler(done -> admission.release());
        rc.next();
    }

    static boolean isApiPath(String path) {
        return !(path.startsWith("/q/") || path.equals("/health") || path.equals("/metrics")
                || path.startsWith("/metrics/"));
    }
}
