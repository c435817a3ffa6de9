package io.djinn.ratelimit;

import io.djinn.auth.Limits;
import io.djinn.redis.LuaScript;
import io.djinn.redis.RedisCalls;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Limits and usage in Redis, shared by every replica. Admission and settlement are each ONE script call (atomic in
 * Redis, timed by Redis' own clock so replicas with skewed clocks agree). The keys of one API key share the hash tag
 * {@code {id}}, so the scripts also run on a Redis Cluster.
 */
public final class RedisRateLimiter implements RateLimiter {

    private static final LuaScript ADMIT = LuaScript.load(RedisRateLimiter.class, "admit.lua");
    private static final LuaScript SETTLE = LuaScript.load(RedisRateLimiter.class, "settle.lua");

    private final RedisCalls redis;
    private final Duration lease;

    public RedisRateLimiter(RedisCalls redis, Duration lease) {
        this.redis = redis;
        this.lease = lease;
    }

    /**
     * Loads both scripts and opens a connection ahead of the first request, so a cold first admission does not run
     * into the (short) call timeout.
     */
    public Uni<Void> warmUp() {
        return redis.send(Command.SCRIPT, "LOAD", ADMIT.source())
                .chain(() -> redis.send(Command.SCRIPT, "LOAD", SETTLE.source())).replaceWithVoid();
    }

    private static String base(String keyId) {
        return "djinn:rl:{" + keyId + "}:";
    }

    static String usageKey(String keyId, LocalDate day) {
        return "djinn:usage:{" + keyId + "}:" + day;
    }

    @Override
    public Uni<Decision> admit(String keyId, Limits limits, int tokens, String leaseId) {
        String b = base(keyId);
        return redis.eval(ADMIT, List.of(b + "req", b + "tok", b + "inflight"),
                List.of(String.valueOf(limits.requestsPerMinute()), String.valueOf(limits.tokensPerMinute()),
                        String.valueOf(limits.maxConcurrentRequests()), String.valueOf(tokens), leaseId,
                        String.valueOf(lease.toMillis())))
                .map(r -> decision(r, limits));
    }

    private static Decision decision(Response r, Limits limits) {
        boolean admitted = r.get(0).toLong() == 1;
        LimitKind refusedBy = switch (r.get(1).toInteger()) {
            case 1 -> LimitKind.CONCURRENCY;
            case 2 -> LimitKind.REQUESTS;
            case 3 -> LimitKind.TOKENS;
            case 4 -> LimitKind.REQUEST_TOO_LARGE;
            default -> null;
        };
        Window req = limits.requestsPerMinute() > 0
                ? new Window(limits.requestsPerMinute(), r.get(3).toLong(), r.get(4).toLong()) : null;
        Window tok = limits.tokensPerMinute() > 0
                ? new Window(limits.tokensPerMinute(), r.get(5).toLong(), r.get(6).toLong()) : null;
        return new Decision(admitted, refusedBy, r.get(2).toLong(), req, tok);
    }

    @Override
    public Uni<Void> settle(String keyId, Limits limits, String leaseId, int reservedTokens, int usedTokens,
            Usage usage) {
        String b = base(keyId);
        List<String> args = new ArrayList<>(List.of(String.valueOf(limits.tokensPerMinute()),
                String.valueOf(reservedTokens), String.valueOf(usedTokens), leaseId));
        UsageReport.fields(usage).forEach((field, n) -> {
            args.add(field);
            args.add(String.valueOf(n));
        });
        return redis.eval(SETTLE, List.of(b + "tok", b + "inflight", usageKey(keyId, usage.day())), args)
                .replaceWithVoid();
    }

    @Override
    public Uni<UsageReport> usage(String keyId, LocalDate day) {
        return redis.send(Command.HGETALL, usageKey(keyId, day)).map(r -> {
            Map<String, Long> fields = new HashMap<>();
            if (r != null) {
                for (String k : r.getKeys()) {
                    fields.put(k, r.get(k).toLong());
                }
            }
            return UsageReport.fromFields(keyId, day, fields);
        });
    }
}
