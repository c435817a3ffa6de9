package io.djinn.ratelimit;

import io.djinn.config.DjinnConfig;
import io.djinn.redis.RedisBackend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The limiter of this server: Redis when configured, else memory (single replica). */
@ApplicationScoped
public class RateLimiters {

    @Produces
    @ApplicationScoped
    RateLimiter rateLimiter(RedisBackend backend, DjinnConfig config) {
        var lease = config.ratelimit().leaseTimeout();
        return backend.calls().<RateLimiter>map(c -> new RedisRateLimiter(c, lease))
                .orElseGet(() -> new InMemoryRateLimiter(lease));
    }
}
