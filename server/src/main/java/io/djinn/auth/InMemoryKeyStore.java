package io.djinn.auth;

import io.smallrye.mutiny.Uni;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Managed keys of a single replica, lost at restart; used when no Redis is configured. */
public final class InMemoryKeyStore implements KeyStore {

    private final Map<String, ApiKey> keys = new ConcurrentHashMap<>();

    @Override
    public Uni<Optional<ApiKey>> find(String id) {
        return Uni.createFrom().item(Optional.ofNullable(keys.get(id)));
    }

    @Override
    public Uni<Void> save(ApiKey key) {
        keys.put(key.id(), key);
        return Uni.createFrom().voidItem();
    }

    @Override
    public Uni<List<ApiKey>> list() {
        return Uni.createFrom().item(keys.values().stream().sorted(Comparator.comparingLong(ApiKey::createdAt)
                .thenComparing(ApiKey::id)).toList());
    }

    @Override
    public Uni<Boolean> anyKeys() {
        return Uni.createFrom().item(!keys.isEmpty());
    }
}
