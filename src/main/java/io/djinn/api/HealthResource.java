package io.djinn.api;

import io.djinn.serving.ModelHost;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Response;

/** vLLM-style {@code GET /health}: 200 once the model serves, 503 while it loads. */
@Path("/health")
public class HealthResource {
    private final ModelHost host;

    public HealthResource(ModelHost host) {
        this.host = host;
    }

    @GET
    public Response health() {
        if (host.ready().isPresent()) {
            return Response.ok("{\"status\":\"ok\"}", "application/json").build();
        }
        return ErrorMapper.response(ApiException.notReady());
    }
}
