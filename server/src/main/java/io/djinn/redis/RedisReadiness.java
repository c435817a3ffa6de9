package io.djinn.redis;

import io.vertx.mutiny.redis.client.Command;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Under the fail-closed policy a replica that cannot reach Redis answers every API request with 503, so it must not
 * receive traffic: readiness pings Redis (within {@code djinn.redis.timeout}). Under fail-open, or without Redis, the
 * replica serves anyway and this check stays up, reporting what it found.
 */
@Readiness
@ApplicationScoped
public class RedisReadiness implements HealthCheck {

    private final RedisBackend backend;

    public RedisReadiness(RedisBackend backend) {
        this.backend = backend;
    }

    @Override
    public HealthCheckResponse call() {
        var b = HealthCheckResponse.named("redis").withData("policy", backend.policy().name().toLowerCase());
        if (backend.calls().isEmpty()) {
            return b.up().withData("store", "in memory").build();
        }
        boolean reachable;
        try {
            backend.calls().get().send(Command.PING).await().indefinitely();
            reachable = true;
        } catch (RuntimeException e) {
            reachable = false;
        }
        b.withData("reachable", reachable);
        return reachable || backend.policy() == FailurePolicy.OPEN ? b.up().build() : b.down().build();
    }
}
