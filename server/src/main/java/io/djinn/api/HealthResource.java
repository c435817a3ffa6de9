package io.djinn.api;

import io.djinn.common.Unauthenticated;
import io.djinn.common.ApiException;
import io.djinn.serving.ModelHost;
import io.djinn.serving.ServingLifecycle;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** vLLM-style {@code GET /health}: 200 once the model serves, 503 while it loads and once shutdown has begun. */
@Unauthenticated
@Path("/health")
public class HealthResource {
    private final ModelHost host;
    private final ServingLifecycle lifecycle;

    public HealthResource(ModelHost host, ServingLifecycle lifecycle) {
        this.host = host;
        this.lifecycle = lifecycle;
    }

    @GET
    public Response health() {
        if (lifecycle.draining()) {
            return ErrorMapper.response(ApiException.shuttingDown(lifecycle.retryAfterSeconds()));
        }
        if (host.ready().isPresent()) {
            return Response.ok("{\"status\":\"ok\"}", "application/json").build();
        }
        return ErrorMapper.response(ApiException.modelUnavailable(host.failure(), host.loading()));
    }
}
