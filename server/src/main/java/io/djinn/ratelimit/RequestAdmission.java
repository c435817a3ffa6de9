package io.djinn.ratelimit;

import io.djinn.common.ApiException;
import io.djinn.auth.Caller;
import io.djinn.auth.Limits;
import io.djinn.engine.Priority;
import io.djinn.redis.FailurePolicy;
import io.djinn.redis.RedisBackend;
import io.djinn.redis.RedisUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The rate-limit hook of an API request, called once its prompt length and output cap are known: the request
 * reserves {@code promptTokens + maxTokens} (the most it can use) and one request; the returned {@link Reservation}
 * settles to the real usage. Refusals are OpenAI's 429 with {@code Retry-After}; Redis trouble follows the policy.
 */
@ApplicationScoped
public class RequestAdmission {

    private static final Logger LOG = Logger.getLogger(RequestAdmission.class);

    private final RateLimiter limiter;
    private final RedisBackend backend;
    private final Duration wait;

    @Inject
    public RequestAdmission(RateLimiter limiter, RedisBackend backend, io.djinn.config.DjinnConfig config) {
        this(limiter, backend, config.redis().timeout());
    }

    public RequestAdmission(RateLimiter limiter, RedisBackend backend, Duration redisTimeout) {
        this.limiter = limiter;
        this.backend = backend;
        // The Redis calls time out by themselves; this is only a backstop of the blocking wait.
        this.wait = redisTimeout.multipliedBy(2).plusMillis(50);
    }

    /** Blocking (Redis round trip): call it on a worker thread. */
    public Reservation admit(Caller caller, String model, int promptTokens, int maxTokens, Priority priority) {
        if (!caller.mayUse(model)) {
            throw ApiException.modelNotFound(model);
        }
        String tier = priority == Priority.HIGH ? "priority" : "default";
        int reserved = promptTokens + maxTokens;
        String leaseId = UUID.randomUUID().toString();
        if (caller.limits().unlimited()) {
            return reservation(caller, model, tier, leaseId, promptTokens, reserved, false, Map.of());
        }
        Decision d;
        try {
            d = limiter.admit(caller.keyId(), caller.limits(), reserved, leaseId).await().atMost(wait);
        } catch (RedisUnavailableException | io.smallrye.mutiny.TimeoutException e) {
            backend.unavailable("admission", e);
            if (backend.policy() == FailurePolicy.CLOSED) {
                Map<String, List<String>> h = new LinkedHashMap<>();
                RateLimitHeaders.retryAfter(h, 1000);
                throw new ApiException(503, "server_error", "rate_limiter_unavailable", null,
                        "The rate limiter is unreachable; retry shortly.", h);
            }
            return reservation(caller, model, tier, leaseId, promptTokens, reserved, false, Map.of());
        }
        Map<String, List<String>> headers = RateLimitHeaders.of(d);
        if (!d.admitted()) {
            Map<String, List<String>> h = new LinkedHashMap<>(headers);
            if (d.refusedBy() != LimitKind.REQUEST_TOO_LARGE) {
                RateLimitHeaders.retryAfter(h, d.retryAfterMillis());
            }
            throw new ApiException(429, d.refusedBy().apiType(), "rate_limit_exceeded", null,
                    refusal(caller, d, reserved), h);
        }
        return reservation(caller, model, tier, leaseId, promptTokens, reserved, true, headers);
    }

    private Reservation reservation(Caller caller, String model, String tier, String leaseId, int prompt,
            int reserved, boolean limitsTaken, Map<String, List<String>> headers) {
        return new Reservation(caller, model, tier, leaseId, prompt, reserved, limitsTaken, headers, this::settle);
    }

    private void settle(Reservation.Settlement s) {
        limiter.settle(s.caller().keyId(), s.caller().limits(), s.leaseId(), s.reservedTokens(), s.usedTokens(),
                s.usage()).subscribe().with(ok -> {}, t -> {
                    if (t instanceof RedisUnavailableException) {
                        backend.unavailable("settlement", t);
                    } else {
                        LOG.error("Settling a rate-limit reservation failed", t);
                    }
                });
    }

    private static String refusal(Caller caller, Decision d, int reserved) {
        Limits l = caller.limits();
        String again = " Please try again in " + RateLimitHeaders.duration(d.retryAfterMillis()) + ".";
        return switch (d.refusedBy()) {
            case CONCURRENCY -> "Too many concurrent requests for key " + caller.keyId() + ": limit "
                    + l.maxConcurrentRequests() + "." + again;
            case REQUESTS -> "Rate limit reached for requests per min (RPM) on key " + caller.keyId() + ": Limit "
                    + l.requestsPerMinute() + "." + again;
            case TOKENS -> "Rate limit reached for tokens per min (TPM) on key " + caller.keyId() + ": Limit "
                    + l.tokensPerMinute() + ", Requested " + reserved + " (prompt + max output tokens)." + again;
            case REQUEST_TOO_LARGE -> "Request too large for key " + caller.keyId() + ": tokens per min (TPM) limit "
                    + l.tokensPerMinute() + ", Requested " + reserved + " (prompt + max output tokens). Lower "
                    + "max_tokens or shorten the messages.";
        };
    }
}
