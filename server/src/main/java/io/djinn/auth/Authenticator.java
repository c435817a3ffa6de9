package io.djinn.auth;

import io.djinn.config.DjinnConfig;
import io.djinn.redis.FailurePolicy;
import io.djinn.redis.RedisBackend;
import io.djinn.redis.RedisUnavailableException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns an Authorization header into a {@link Caller}. Configuration keys are checked against their hashes held in
 * memory; managed keys are read from the key store on every request (so revocation is immediate everywhere). When
 * the store is unreachable and the policy is fail-open, a key that was valid at its last successful lookup keeps
 * working; anything else gets 503, never a guess.
 */
@ApplicationScoped
public class Authenticator {

    private final List<byte[]> configKeyHashes;
    private final Limits defaultLimits;
    private final KeyStore store;
    private final RedisBackend backend;
    private final Map<String, ApiKey> lastKnownGood = new ConcurrentHashMap<>();
    private volatile boolean managedKeysSeen;

    @Inject
    public Authenticator(DjinnConfig config, KeyStore store, RedisBackend backend) {
        this(config.auth().apiKeys().orElse(List.of()), new Limits(config.ratelimit().defaultRequestsPerMinute(),
                config.ratelimit().defaultTokensPerMinute(), config.ratelimit().defaultMaxConcurrentRequests()),
                store, backend);
    }

    public Authenticator(List<String> configKeys, Limits defaultLimits, KeyStore store, RedisBackend backend) {
        this.configKeyHashes = configKeys.stream().filter(k -> !k.isBlank()).map(ApiKeys::sha256).toList();
        this.defaultLimits = defaultLimits;
        this.store = store;
        this.backend = backend;
    }

    public Uni<Caller> authenticate(String authorization) {
        if (!configKeyHashes.isEmpty()) {
            return check(authorization);
        }
        // No configuration keys: the server is open until the first managed key exists.
        return store.anyKeys().onFailure(RedisUnavailableException.class).recoverWithUni(t -> {
            backend.unavailable("authentication", t);
            if (backend.policy() == FailurePolicy.CLOSED) {
                return Uni.createFrom().failure(AuthException.keyStoreUnavailable());
            }
            return Uni.createFrom().item(managedKeysSeen);
        }).chain(any -> {
            managedKeysSeen = any;
            return any ? check(authorization) : Uni.createFrom().item(Caller.anonymous(defaultLimits));
        });
    }

    private Uni<Caller> check(String authorization) {
        Optional<String> secret;
        try {
            secret = presentedKey(authorization);
        } catch (IllegalArgumentException e) {
            return Uni.createFrom().failure(AuthException.malformed());
        }
        if (secret.isEmpty()) {
            return Uni.createFrom().failure(AuthException.missing());
        }
        byte[] hash = ApiKeys.sha256(secret.get());
        boolean configMatch = false;
        for (byte[] h : configKeyHashes) {
            configMatch |= java.security.MessageDigest.isEqual(hash, h); // no early exit: same time for any key
        }
        if (configMatch) {
            return Uni.createFrom().item(new Caller("cfg_" + ApiKeys.hex(hash).substring(0, 16), "configuration",
                    "default", defaultLimits, List.of()));
        }
        String id = ApiKeys.idOf(hash);
        return store.find(id).map(found -> {
            Optional<ApiKey> valid = found.filter(k -> ApiKeys.sameHash(hash, k.keySha256()) && !k.revoked());
            if (valid.isEmpty()) {
                lastKnownGood.remove(id);
                throw AuthException.wrong();
            }
            lastKnownGood.put(id, valid.get());
            return toCaller(valid.get());
        }).onFailure(RedisUnavailableException.class).recoverWithUni(t -> {
            backend.unavailable("authentication", t);
            ApiKey known = lastKnownGood.get(id);
            if (backend.policy() == FailurePolicy.OPEN && known != null && ApiKeys.sameHash(hash, known.keySha256())) {
                return Uni.createFrom().item(toCaller(known));
            }
            return Uni.createFrom().failure(AuthException.keyStoreUnavailable());
        });
    }

    private static Caller toCaller(ApiKey k) {
        return new Caller(k.id(), k.owner(), k.tier(), k.limits(), k.models() == null ? List.of() : k.models());
    }

    /**
     * The secret of {@code Bearer KEY} or {@code Api-Key KEY} (scheme case-insensitive); empty when no header was
     * sent; {@link IllegalArgumentException} for any other shape.
     */
    static Optional<String> presentedKey(String header) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        String h = header.strip();
        int space = h.indexOf(' ');
        if (space < 0) {
            throw new IllegalArgumentException("no scheme");
        }
        String scheme = h.substring(0, space);
        String key = h.substring(space + 1).strip();
        if (!(scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("Api-Key")) || key.isEmpty()
                || key.chars().anyMatch(c -> c <= ' ' || c > '~')) {
            throw new IllegalArgumentException("bad scheme or key");
        }
        return Optional.of(key);
    }
}
