package io.djinn.auth;

import io.smallrye.mutiny.Uni;
import java.util.List;
import java.util.Optional;

/** Managed keys, in Redis ({@link RedisKeyStore}) or in memory ({@link InMemoryKeyStore}, single replica only). */
public interface KeyStore {

    Uni<Optional<ApiKey>> find(String id);

    /** Creates or replaces the record. */
    Uni<Void> save(ApiKey key);

    Uni<List<ApiKey>> list();

    /** Whether any managed key was ever created (then the server is no longer open). */
    Uni<Boolean> anyKeys();
}
