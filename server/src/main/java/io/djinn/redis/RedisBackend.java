package io.djinn.redis;

import io.djinn.config.DjinnConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.vertx.mutiny.redis.client.Redis;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Whether this server keeps auth, limit and usage state in Redis ({@code quarkus.redis.hosts} set) or in memory
 * (single replica only). The Quarkus Redis client is looked up only when hosts are configured, so a server without
 * Redis never tries to connect.
 */
@ApplicationScoped
public class RedisBackend {

    private static final Logger LOG = Logger.getLogger(RedisBackend.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final Optional<RedisCalls> calls;
    private final FailurePolicy policy;
    private final Counter failures;
    private final java.util.concurrent.atomic.DoubleAdder failuresHere;
    private final AtomicLong lastLogged = new AtomicLong(System.nanoTime() - LOG_EVERY_NANOS);

    @Inject
    public RedisBackend(DjinnConfig config, Instance<Redis> redis, Instance<MeterRegistry> meters) {
        this(ConfigProvider.getConfig().getOptionalValue("quarkus.redis.hosts", String.class)
                .filter(h -> !h.isBlank()).map(h -> new RedisCalls(redis.get(), config.redis().timeout())),
                FailurePolicy.parse(config.redis().failurePolicy()),
                // The application's registry (/metrics) when the Micrometer extension is present.
                meters.isResolvable() ? meters.get() : Metrics.globalRegistry);
    }

    /** A backend outside CDI (tests, the limiter benchmark); empty {@code calls} = in memory. */
    public RedisBackend(Optional<RedisCalls> calls, FailurePolicy policy) {
        this(calls, policy, Metrics.globalRegistry);
    }

    private RedisBackend(Optional<RedisCalls> calls, FailurePolicy policy, MeterRegistry meters) {
        boolean configured = calls.isPresent();
        this.calls = calls;
        this.policy = policy;
        this.failures = Counter.builder("djinn.redis.unavailable")
                .description("Requests that met an unreachable Redis (served without limits under fail-open)")
                .tag("policy", policy.name().toLowerCase(java.util.Locale.ROOT)).register(meters);
        this.failuresHere = new java.util.concurrent.atomic.DoubleAdder();
        LOG.infof("Keys, rate limits and usage: %s; failure policy %s", configured ? "Redis" : "in memory "
                + "(single replica only; set quarkus.redis.hosts for a cluster)", policy);
    }

    public Optional<RedisCalls> calls() {
        return calls;
    }

    public FailurePolicy policy() {
        return policy;
    }

    /** Counts the failure and logs it at most every 10 s, so an outage does not flood the log. */
    public void unavailable(String during, Throwable cause) {
        failures.increment();
        failuresHere.add(1);
        long now = System.nanoTime();
        long last = lastLogged.get();
        if (now - last >= LOG_EVERY_NANOS && lastLogged.compareAndSet(last, now)) {
            LOG.warnf("Redis unreachable during %s (policy %s; %.0f such requests so far): %s", during, policy,
                    failuresHere.sum(), cause.getMessage());
        }
    }

    /** Failures this backend met (the metric may be shared by several backends in one JVM). */
    public double failureCount() {
        return failuresHere.sum();
    }
}
