package io.djinn.auth;

import io.djinn.redis.RedisBackend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The key store of this server: Redis when configured, else memory. */
@ApplicationScoped
public class KeyStores {

    @Produces
    @ApplicationScoped
    KeyStore keyStore(RedisBackend backend) {
        return backend.calls().<KeyStore>map(RedisKeyStore::new).orElseGet(InMemoryKeyStore::new);
    }
}
