package io.djinn.ratelimit;

import io.djinn.auth.Limits;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The same GCRA limits and usage meter as {@link RedisRateLimiter} (see admit.lua / settle.lua), in this JVM only:
 * the embedded default when no Redis is configured, correct for a single replica.
 */
public final class InMemoryRateLimiter implements RateLimiter {

    private static final double WINDOW = 60_000;

    private final Duration lease;
    private final LongSupplier clockMillis;
    private final Map<String, KeyState> keys = new HashMap<>();
    private final Map<String, Map<String, Long>> usage = new HashMap<>();

    public InMemoryRateLimiter(Duration lease) {
        this(lease, System::currentTimeMillis);
    }

    InMemoryRateLimiter(Duration lease, LongSupplier clockMillis) {
        this.lease = lease;
        this.clockMillis = clockMillis;
    }

    private static final class KeyState {
        double requestTat;
        double tokenTat;
        final Map<String, Long> leases = new HashMap<>();
    }

    @Override
    public synchronized Uni<Decision> admit(String keyId, Limits limits, int tokens, String leaseId) {
        long now = clockMillis.getAsLong();
        KeyState s = keys.computeIfAbsent(keyId, k -> new KeyState());
        int rpm = limits.requestsPerMinute();
        int tpm = limits.tokensPerMinute();
        double reqTat = Math.max(s.requestTat, now);
        double tokTat = Math.max(s.tokenTat, now);
        double reqNext = rpm > 0 ? reqTat + WINDOW / rpm : now;
        double tokNext = tpm > 0 ? tokTat + tokens * WINDOW / tpm : now;
        LimitKind refused = null;
        double retry = 0;
        if (limits.maxConcurrentRequests() > 0) {
            s.leases.values().removeIf(expiry -> expiry <= now);
            if (s.leases.size() >= limits.maxConcurrentRequests()) {
                refused = LimitKind.CONCURRENCY;
                retry = 1000;
            }
        }
        if (refused == null && rpm > 0 && reqNext - WINDOW > now) {
            refused = LimitKind.REQUESTS;
            retry = reqNext - WINDOW - now;
        } else if (refused == null && tpm > 0 && tokens > tpm) {
            refused = LimitKind.REQUEST_TOO_LARGE;
        } else if (refused == null && tpm > 0 && tokNext - WINDOW > now) {
            refused = LimitKind.TOKENS;
            retry = tokNext - WINDOW - now;
        }
        if (refused != null) {
            return Uni.createFrom().item(new Decision(false, refused, (long) Math.ceil(retry),
                    window(rpm, reqTat, now), window(tpm, tokTat, now)));
        }
        if (rpm > 0) {
            s.requestTat = reqNext;
        }
        if (tpm > 0) {
            s.tokenTat = tokNext;
        }
        if (limits.maxConcurrentRequests() > 0) {
            s.leases.put(leaseId, now + lease.toMillis());
        }
        return Uni.createFrom().item(new Decision(true, null, 0, window(rpm, reqNext, now), window(tpm, tokNext, now)));
    }

    private static Window window(int limit, double tat, long now) {
        if (limit <= 0) {
            return null;
        }
        long remaining = Math.max(0, (long) Math.floor((now + WINDOW - tat) / (WINDOW / limit)));
        return new Window(limit, remaining, (long) Math.ceil(tat - now));
    }

    @Override
    public synchronized Uni<Void> settle(String keyId, Limits limits, String leaseId, int reservedTokens,
            int usedTokens, Usage u) {
        long now = clockMillis.getAsLong();
        KeyState s = keys.computeIfAbsent(keyId, k -> new KeyState());
        s.leases.remove(leaseId);
        if (limits.tokensPerMinute() > 0) {
            double tat = Math.max(s.tokenTat, now);
            s.tokenTat = Math.max(now, tat + (usedTokens - reservedTokens) * WINDOW / limits.tokensPerMinute());
        }
        Map<String, Long> meter = usage.computeIfAbsent(keyId + "|" + u.day(), k -> new HashMap<>());
        UsageReport.fields(u).forEach((f, n) -> meter.merge(f, n, Long::sum));
        return Uni.createFrom().voidItem();
    }

    @Override
    public synchronized Uni<UsageReport> usage(String keyId, LocalDate day) {
        return Uni.createFrom().item(UsageReport.fromFields(keyId, day,
                Map.copyOf(usage.getOrDefault(keyId + "|" + day, Map.of()))));
    }
}
