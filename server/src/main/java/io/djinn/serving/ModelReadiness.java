package io.djinn.serving;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready only once the model is loaded and the engine runs, and not any more once shutdown has begun. Redis has its
 * own check beside this one ({@code io.djinn.redis.RedisReadiness}, down only under the fail-closed policy), so each
 * dependency reports under its own name.
 */
@Readiness
@ApplicationScoped
public class ModelReadiness implements HealthCheck {
    private final ModelHost host;
    private final ServingLifecycle lifecycle;

    public ModelReadiness(ModelHost host, ServingLifecycle lifecycle) {
        this.host = host;
        this.lifecycle = lifecycle;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("model");
        host.failure().ifPresent(t -> b.withData("error", String.valueOf(t.getMessage())));
        host.loading().ifPresent(l -> b.withData("loading", l));
        if (lifecycle.draining()) {
            return b.down().withData("state", "shutting down").build();
        }
        return host.ready().map(m -> b.up().withData("model", m.id()).build()).orElseGet(() -> b.down().build());
    }
}
