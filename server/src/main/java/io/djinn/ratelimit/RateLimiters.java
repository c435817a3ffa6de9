package io.djinn.ratelimit;

import io.djinn.config.DjinnConfig;
import io.djinn.redis.RedisBackend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Produces;
import io.quarkus.runtime.StartupEvent;

/** The limiter of this server: Redis when configured, else memory (single replica). */
@ApplicationScoped
public class RateLimiters {

    @Produces
    @ApplicationScoped
    RateLimiter rateLimiter(RedisBackend backend, DjinnConfig config) {
        var lease = config.ratelimit().leaseTimeout();
        return backend.calls().<RateLimiter>map(c -> {
            RedisRateLimiter redis = new RedisRateLimiter(c, lease);
            // Best effort: an unreachable Redis at start is the failure policy's business, not a start failure.
            redis.warmUp().subscribe().with(ok -> {}, t -> backend.unavailable("start-up", t));
            return redis;
        }).orElseGet(() -> new InMemoryRateLimiter(lease));
    }

    /** Builds the limiter at start (and warms its connection) rather than on the first request. */
    void onStart(@Observes StartupEvent event, RateLimiter limiter) {
        limiter.toString();
    }
}
