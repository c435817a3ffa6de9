package io.djinn.bench;

import io.djinn.auth.ApiKey;
import io.djinn.auth.ApiKeys;
import io.djinn.auth.Authenticator;
import io.djinn.auth.Caller;
import io.djinn.auth.Limits;
import io.djinn.auth.RedisKeyStore;
import io.djinn.engine.Priority;
import io.djinn.ratelimit.RedisRateLimiter;
import io.djinn.ratelimit.RequestAdmission;
import io.djinn.ratelimit.Reservation;
import io.djinn.ratelimit.Usage;
import io.djinn.redis.FailurePolicy;
import io.djinn.redis.RedisBackend;
import io.djinn.redis.RedisCalls;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import redis.embedded.RedisServer;

/**
 * {@code bench-limiter}: the latency the key check and the rate limiter add to one request, measured end to end
 * through the production classes against a loopback Redis (started from the embedded-redis binary unless
 * {@code --redis URI} names one). Admission = key lookup + the atomic limit script, before generation starts;
 * settlement = the script after the response, off the request's critical path.
 */
public final class LimiterBenchmark {

    private LimiterBenchmark() {}

    public static void run(Map<String, String> o) throws Exception {
        // Outside Quarkus nothing configures the log manager; Netty would log at DEBUG.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.INFO);
        java.util.logging.Logger.getLogger("io.netty").setLevel(java.util.logging.Level.INFO);
        int requests = Integer.parseInt(o.getOrDefault("requests", "20000"));
        int warmup = Integer.parseInt(o.getOrDefault("warmup", "5000"));
        RedisServer server = null;
        String uri = o.get("redis");
        if (uri == null) {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            server = RedisServer.newRedisServer().port(port).bind("127.0.0.1").setting("save \"\"")
                    .setting("appendonly no").build();
            server.start();
            uri = "redis://127.0.0.1:" + port;
        }
        Vertx vertx = Vertx.vertx();
        try {
            RedisCalls calls = new RedisCalls(Redis.createClient(vertx, new RedisOptions().setConnectionString(uri)
                    .setMaxPoolSize(4)), Duration.ofMillis(250));
            RedisBackend backend = new RedisBackend(Optional.of(calls), FailurePolicy.OPEN);
            RedisKeyStore keys = new RedisKeyStore(calls);
            RedisRateLimiter limiter = new RedisRateLimiter(calls, Duration.ofMinutes(10));
            // A cold JVM needs longer than the 250 ms call timeout for its first connection.
            limiter.warmUp().onFailure().retry().atMost(40).await().atMost(Duration.ofSeconds(30));
            Authenticator auth = new Authenticator(List.of(), Limits.UNLIMITED, keys, backend);
            RequestAdmission admission = new RequestAdmission(limiter, backend, Duration.ofMillis(250));

            // A managed key with limits high enough never to refuse: every request runs the full scripts.
            String secret = ApiKeys.generate();
            byte[] hash = ApiKeys.sha256(secret);
            keys.save(new ApiKey(ApiKeys.idOf(hash), ApiKeys.hex(hash), "bench", "default", 1_000_000_000,
                    2_000_000_000, 1_000_000, List.of(), 0, null)).await().indefinitely();
            String header = "Bearer " + secret;

            long[] lookup = new long[requests];
            long[] limit = new long[requests];
            long[] admit = new long[requests];
            long[] settle = new long[requests];
            for (int i = -warmup; i < requests; i++) {
                long t0 = System.nanoTime();
                Caller caller = auth.authenticate(header).await().indefinitely();
                long t1 = System.nanoTime();
                Reservation r = admission.admit(caller, "bench-model", 200, 100, Priority.DEFAULT);
                long t2 = System.nanoTime();
                limiter.settle(caller.keyId(), caller.limits(), "lease", 300, 250,
                        new Usage(LocalDate.now(), "bench-model", "default", 200, 50, 0)).await().indefinitely();
                long t3 = System.nanoTime();
                if (r.headers().isEmpty()) {
                    throw new IllegalStateException("the limiter did not run (Redis unreachable?)");
                }
                if (i >= 0) {
                    lookup[i] = t1 - t0;
                    limit[i] = t2 - t1;
                    admit[i] = t2 - t0;
                    settle[i] = t3 - t2;
                }
            }
            for (long[] a : new long[][] {lookup, limit, admit, settle}) {
                Arrays.sort(a);
            }
            String text = String.format("""
                    Limiter latency per request (%d requests after %d warm-up, one at a time, %s)
                      key lookup (auth filter):               p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms
                      limit check (admission script):         p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms
                      added before generation (both):         p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms
                      settlement after the reply (script):    p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms
                    """, requests, warmup, server != null ? "embedded loopback Redis" : uri,
                    pct(lookup, 50), pct(lookup, 99), pct(lookup, 99.9), pct(limit, 50), pct(limit, 99),
                    pct(limit, 99.9), pct(admit, 50), pct(admit, 99), pct(admit, 99.9), pct(settle, 50),
                    pct(settle, 99), pct(settle, 99.9));
            System.out.print(text);
            if (o.containsKey("json")) {
                Files.writeString(Path.of(o.get("json")), String.format(java.util.Locale.ROOT,
                        "{\"requests\":%d,\"lookup_p50_ms\":%.4f,\"lookup_p99_ms\":%.4f,\"limit_p50_ms\":%.4f,"
                                + "\"limit_p99_ms\":%.4f,\"admission_p50_ms\":%.4f,\"admission_p99_ms\":%.4f,"
                                + "\"settlement_p50_ms\":%.4f,\"settlement_p99_ms\":%.4f}%n",
                        requests, pct(lookup, 50), pct(lookup, 99), pct(limit, 50), pct(limit, 99), pct(admit, 50),
                        pct(admit, 99), pct(settle, 50), pct(settle, 99)));
            }
        } finally {
            vertx.closeAndAwait();
            if (server != null) {
                server.stop();
            }
        }
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }
}
