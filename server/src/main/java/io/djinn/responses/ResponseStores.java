package io.djinn.responses;

import io.djinn.config.DjinnConfig;
import io.djinn.redis.RedisBackend;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;

/** The response store of this server: Redis when configured, else bounded memory. */
@ApplicationScoped
public class ResponseStores {

    @Produces
    @ApplicationScoped
    ResponseStore responseStore(RedisBackend backend, DjinnConfig config) {
        var settings = config.responses();
        return backend.calls().<ResponseStore>map(calls -> new RedisResponseStore(calls, settings.ttl()))
                .orElseGet(() -> new InMemoryResponseStore(settings.maxStored(), settings.ttl()));
    }
}
