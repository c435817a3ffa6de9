package io.djinn.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A managed key as stored: only the SHA-256 of the secret is kept. {@code id} is derived from the hash (its first 16
 * hex digits), so a presented key finds its record in one lookup and the full hash is then compared in constant time.
 */
public record ApiKey(String id, @JsonProperty("key_sha256") String keySha256, String owner, String tier,
        @JsonProperty("requests_per_minute") int requestsPerMinute,
        @JsonProperty("tokens_per_minute") int tokensPerMinute,
        @JsonProperty("max_concurrent_requests") int maxConcurrentRequests, List<String> models,
        @JsonProperty("created_at") long createdAt, @JsonProperty("revoked_at") Long revokedAt) {

    public Limits limits() {
        return new Limits(requestsPerMinute, tokensPerMinute, maxConcurrentRequests);
    }

    public boolean revoked() {
        return revokedAt != null;
    }

    public ApiKey withLimits(String newTier, Limits l, List<String> newModels) {
        return new ApiKey(id, keySha256, owner, newTier, l.requestsPerMinute(), l.tokensPerMinute(),
                l.maxConcurrentRequests(), newModels, createdAt, revokedAt);
    }

    public ApiKey revokedAt(long epochSeconds) {
        return new ApiKey(id, keySha256, owner, tier, requestsPerMinute, tokensPerMinute, maxConcurrentRequests,
                models, createdAt, epochSeconds);
    }
}
