package io.djinn.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.common.ApiException;
import io.djinn.auth.Caller;
import io.djinn.auth.Limits;
import io.djinn.engine.FinishReason;
import io.djinn.engine.Priority;
import io.djinn.engine.TextEvent;
import io.djinn.redis.EmbeddedRedis;
import io.djinn.redis.FailurePolicy;
import io.djinn.redis.RedisBackend;
import io.djinn.redis.RedisCalls;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two independent limiter stacks (own Vert.x, own Redis connections) sharing one real Redis server, as two replicas
 * would; plus the in-memory limiter under the same load, and Redis outages under both failure policies.
 */
class RedisRateLimiterClusterTest {

    /** The production default, for the outage test. */
    static final Duration TIMEOUT = Duration.ofMillis(250);
    /** Correctness tests run 200 calls at once on a shared 2-core machine: they must not fail open by slowness. */
    static final Duration GENEROUS = Duration.ofSeconds(5);
    static EmbeddedRedis redis;
    static Vertx vertx;

    @BeforeAll
    static void start() {
        redis = new EmbeddedRedis();
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.closeAndAwait();
        redis.close();
    }

    static RedisCalls connect(EmbeddedRedis server, Duration timeout) {
        return new RedisCalls(Redis.createClient(vertx, new RedisOptions().setConnectionString(server.uri())
                .setMaxPoolSize(8).setMaxPoolWaiting(1024)), timeout);
    }

    static RedisRateLimiter limiter(EmbeddedRedis server, Duration timeout) {
        RedisRateLimiter limiter = new RedisRateLimiter(connect(server, timeout), Duration.ofMinutes(10));
        limiter.warmUp().onFailure().retry().atMost(10).await().atMost(Duration.ofSeconds(20));
        return limiter;
    }

    static void assertRemaining(long expected, Reservation r, String what) {
        long remaining = Long.parseLong(r.headers().get("x-ratelimit-remaining-" + what).getFirst());
        // The bucket refills while the test runs (100 tokens/s here): allow a little slack upwards.
        assertTrue(remaining >= expected && remaining <= expected + 50, what + " remaining " + remaining
                + ", expected about " + expected);
    }

    static String key() {
        return "key_test_" + UUID.randomUUID().toString().substring(0, 8);
    }

    static int admitConcurrently(List<RateLimiter> stacks, String key, Limits limits, int requests) {
        List<Uni<Decision>> calls = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            calls.add(stacks.get(i % stacks.size()).admit(key, limits, 10, "lease-" + i));
        }
        List<Decision> decisions = Uni.join().all(calls).andFailFast().await().atMost(Duration.ofSeconds(30));
        int admitted = 0;
        for (Decision d : decisions) {
            if (d.admitted()) {
                admitted++;
            } else {
                assertEquals(LimitKind.REQUESTS, d.refusedBy());
                assertTrue(d.retryAfterMillis() > 0, "a refusal says when to retry");
                assertEquals(0, d.requests().remaining());
            }
        }
        return admitted;
    }

    @Test
    void twoStacksSharingRedisAdmitExactlyTheLimit() {
        List<RateLimiter> stacks = List.of(limiter(redis, GENEROUS),
                limiter(redis, GENEROUS));
        assertEquals(50, admitConcurrently(stacks, key(), new Limits(50, 0, 0), 200));
    }

    @Test
    void inMemoryLimiterAdmitsExactlyTheLimit() {
        RateLimiter memory = new InMemoryRateLimiter(Duration.ofMinutes(10));
        assertEquals(50, admitConcurrently(List.of(memory), key(), new Limits(50, 0, 0), 200));
    }

    @Test
    void concurrencyLimitHoldsAcrossStacksUntilSettled() {
        RedisBackend backend = new RedisBackend(Optional.empty(), FailurePolicy.OPEN);
        RequestAdmission a = new RequestAdmission(limiter(redis, GENEROUS),
                backend, GENEROUS);
        RequestAdmission b = new RequestAdmission(limiter(redis, GENEROUS),
                backend, GENEROUS);
        Caller caller = new Caller(key(), "t", "default", new Limits(0, 0, 2), List.of());
        Reservation first = a.admit(caller, "m", 5, 5, Priority.DEFAULT);
        b.admit(caller, "m", 5, 5, Priority.DEFAULT);
        ApiException refused = assertThrows(ApiException.class, () -> a.admit(caller, "m", 5, 5, Priority.DEFAULT));
        assertEquals(429, refused.status());
        assertEquals("concurrent_requests", refused.type());
        assertEquals("rate_limit_exceeded", refused.code());
        first.release();
        eventually(() -> {
            try {
                b.admit(caller, "m", 5, 5, Priority.DEFAULT);
                return true;
            } catch (ApiException e) {
                return false;
            }
        });
    }

    /** Reservations settle to real usage when the stream completes, is cancelled or fails; usage is metered. */
    @Test
    void tokenBudgetSettlesToActualUsage() {
        RedisBackend backend = new RedisBackend(Optional.empty(), FailurePolicy.OPEN);
        RedisRateLimiter limiterA = limiter(redis, GENEROUS);
        RedisRateLimiter limiterB = limiter(redis, GENEROUS);
        RequestAdmission a = new RequestAdmission(limiterA, backend, GENEROUS);
        RequestAdmission b = new RequestAdmission(limiterB, backend, GENEROUS);
        String id = key();
        // 6000 tokens/min = 100 per second of refill; remaining figures are checked with that slack.
        Caller caller = new Caller(id, "t", "default", new Limits(0, 6000, 0), List.of());

        Reservation r1 = a.admit(caller, "m", 100, 900, Priority.DEFAULT);
        assertRemaining(5000, r1, "tokens"); // 1000 reserved of 6000
        Reservation r2 = b.admit(caller, "m", 200, 800, Priority.DEFAULT);
        Reservation r3 = a.admit(caller, "m", 50, 950, Priority.HIGH);
        assertRemaining(3000, r3, "tokens");

        // Completed: the engine's counts. Cancelled after 3 tokens: prompt + 3. Failed after 2 tokens: prompt + 2.
        r1.track(Multi.createFrom().items(delta(1), delta(2), new TextEvent.Finished(FinishReason.STOP, 100, 7, 40)))
                .collect().asList().await().indefinitely();
        r2.track(Multi.createFrom().range(0, 100).map(i -> (TextEvent) delta(1))).select().first(3)
                .collect().asList().await().indefinitely();
        r3.track(Multi.createFrom().<TextEvent>items(delta(1), delta(1)).onCompletion()
                .failWith(new IllegalStateException("engine failure"))).collect().asList()
                .onFailure().recoverWithNull().await().indefinitely();

        LocalDate today = LocalDate.now(Clock.systemUTC());
        eventually(() -> limiterB.usage(id, today).await().indefinitely().byModel().containsKey("m")
                && limiterB.usage(id, today).await().indefinitely().byModel().get("m").requests() == 3);
        UsageReport report = limiterB.usage(id, today).await().indefinitely();
        UsageReport.Counts m = report.byModel().get("m");
        assertEquals(100 + 200 + 50, m.promptTokens());
        assertEquals(7 + 3 + 2, m.completionTokens());
        assertEquals(40, m.cachedTokens());
        assertEquals(2, report.byServiceTier().get("default").requests());
        UsageReport.Counts priority = report.byServiceTier().get("priority");
        assertEquals(52, priority.totalTokens());
        assertEquals(Math.round(52 * 1.2), report.priorityTokensWithSurcharge());

        // Used 107 + 203 + 52 = 362 of 6000: the bucket holds at least 6000 - 362 after the refunds.
        Decision probe = limiterA.admit(id, caller.limits(), 0, "probe").await().indefinitely();
        assertTrue(probe.tokens().remaining() >= 6000 - 362, "remaining " + probe.tokens().remaining());
        assertTrue(probe.tokens().remaining() < 6000 - 300, "usage was charged: " + probe.tokens().remaining());
    }

    @Test
    void tooLargeARequestIsRefusedWithoutTakingBudget() {
        RedisRateLimiter limiter = limiter(redis, GENEROUS);
        String id = key();
        Decision d = limiter.admit(id, new Limits(10, 1000, 0), 1001, "x").await().indefinitely();
        assertFalse(d.admitted());
        assertEquals(LimitKind.REQUEST_TOO_LARGE, d.refusedBy());
        assertEquals(9, limiter.admit(id, new Limits(10, 1000, 0), 1, "y").await().indefinitely()
                .requests().remaining(), "the refused request took nothing");
    }

    @Test
    void redisOutageFollowsEachPolicyAndServiceResumes() {
        try (EmbeddedRedis own = new EmbeddedRedis()) {
            RedisBackend open = new RedisBackend(Optional.empty(), FailurePolicy.OPEN);
            RedisBackend closed = new RedisBackend(Optional.empty(), FailurePolicy.CLOSED);
            RateLimiter limiter = limiter(own, TIMEOUT);
            RequestAdmission failOpen = new RequestAdmission(limiter, open, TIMEOUT);
            RequestAdmission failClosed = new RequestAdmission(limiter, closed, TIMEOUT);
            Caller caller = new Caller(key(), "t", "default", new Limits(100, 100_000, 10), List.of());
            assertNotNull(failOpen.admit(caller, "m", 10, 10, Priority.DEFAULT).headers()
                    .get("x-ratelimit-limit-requests"));

            own.stop();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                Reservation served = failOpen.admit(caller, "m", 10, 10, Priority.DEFAULT);
                assertTrue(served.headers().isEmpty(), "served without limits while Redis is down");
                served.release();
                ApiException refused = assertThrows(ApiException.class,
                        () -> failClosed.admit(caller, "m", 10, 10, Priority.DEFAULT));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertEquals(503, refused.status());
                assertEquals("rate_limiter_unavailable", refused.code());
                assertEquals(List.of("1"), refused.headers().get("Retry-After"));
                assertTrue(ms < 2 * (2 * TIMEOUT.toMillis() + 50) + 500, "no call hangs past the timeout: " + ms);
            }
            assertTrue(open.failureCount() >= 3, "fail-open outages are counted");
            assertTrue(closed.failureCount() >= 3);

            own.start();
            eventually(() -> {
                try {
                    return !failClosed.admit(caller, "m", 10, 10, Priority.DEFAULT).headers().isEmpty();
                } catch (ApiException e) {
                    return false;
                }
            });
        }
    }

    static TextEvent.Delta delta(int tokens) {
        return new TextEvent.Delta("x", new int[tokens], List.of());
    }

    static void eventually(BooleanSupplier condition) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        throw new AssertionError("condition not met within 10 s");
    }
}
