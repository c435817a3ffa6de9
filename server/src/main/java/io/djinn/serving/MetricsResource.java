package io.djinn.serving;

import io.djinn.common.Unauthenticated;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;

/** {@code GET /metrics}: Prometheus text format. */
@Unauthenticated
@Path("/metrics")
public class MetricsResource {

    private final EngineMetrics metrics;

    public MetricsResource(EngineMetrics metrics) {
        this.metrics = metrics;
    }

    @GET
    @Produces("text/plain; version=0.0.4; charset=utf-8")
    public String scrape() {
        return metrics.scrape();
    }
}
