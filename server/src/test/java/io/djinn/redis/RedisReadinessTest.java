package io.djinn.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheckResponse.Status;
import org.junit.jupiter.api.Test;

/** Readiness follows Redis only under the fail-closed policy, against a real Redis that is stopped and restarted. */
class RedisReadinessTest {

    @Test
    void failClosedReplicaIsReadyOnlyWhileRedisAnswers() {
        Vertx vertx = Vertx.vertx();
        try (EmbeddedRedis server = new EmbeddedRedis()) {
            RedisCalls calls = new RedisCalls(Redis.createClient(vertx,
                    new RedisOptions().setConnectionString(server.uri())), Duration.ofMillis(250));
            RedisReadiness closed = new RedisReadiness(new RedisBackend(Optional.of(calls), FailurePolicy.CLOSED));
            RedisReadiness open = new RedisReadiness(new RedisBackend(Optional.of(calls), FailurePolicy.OPEN));
            RedisReadiness inMemory = new RedisReadiness(new RedisBackend(Optional.empty(), FailurePolicy.CLOSED));

            // the first PING also opens the connection (and loads the client's classes on a cold JVM), which on a
            // busy CI core can take longer than the 250 ms call timeout: readiness probes repeat, so does the test
            assertEquals(Status.UP, awaitStatus(closed, Status.UP), "ready while Redis answers");
            server.stop();
            assertEquals(Status.DOWN, closed.call().getStatus());
            assertEquals(Status.UP, open.call().getStatus(), "fail-open serves without Redis");
            assertEquals(Status.UP, inMemory.call().getStatus());
            server.start();
            assertEquals(Status.UP, awaitStatus(closed, Status.UP), "ready again once Redis is back");
        } finally {
            vertx.closeAndAwait();
        }
    }

    /** Calls the check until it reports {@code wanted} or 20 s pass; returns the last status seen. */
    private static Status awaitStatus(RedisReadiness check, Status wanted) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        Status seen = check.call().getStatus();
        while (seen != wanted && System.nanoTime() < deadline) {
            Thread.onSpinWait();
            seen = check.call().getStatus();
        }
        return seen;
    }
}
