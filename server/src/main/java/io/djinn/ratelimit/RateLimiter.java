package io.djinn.ratelimit;

import io.djinn.auth.Limits;
import io.smallrye.mutiny.Uni;
import java.time.LocalDate;

/**
 * Per-key limits and usage. {@link RedisRateLimiter} keeps them in Redis, one atomic script per check, shared by every
 * replica; {@link InMemoryRateLimiter} applies the same algorithm in memory for a single replica.
 */
public interface RateLimiter {

    /** Checks concurrency, requests and tokens together; when admitted, takes one request, the tokens and a lease. */
    Uni<Decision> admit(String keyId, Limits limits, int tokens, String leaseId);

    /** Releases the lease, corrects the reserved tokens to the used ones and meters the usage. */
    Uni<Void> settle(String keyId, Limits limits, String leaseId, int reservedTokens, int usedTokens, Usage usage);

    Uni<UsageReport> usage(String keyId, LocalDate day);
}
