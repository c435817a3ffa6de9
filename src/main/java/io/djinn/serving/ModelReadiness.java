package io.djinn.serving;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only once the model is loaded and the engine runs. */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {
    private final ModelHost host;

    public ModelReadiness(ModelHost host) {
        this.host = host;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("model");
        host.failure().ifPresent(t -> b.withData("error", String.valueOf(t.getMessage())));
        return host.ready().map(m -> b.up().withData("model", m.id()).build()).orElseGet(() -> b.down().build());
    }
}
