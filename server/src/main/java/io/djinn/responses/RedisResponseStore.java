package io.djinn.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.djinn.common.Json;
import io.djinn.redis.RedisCalls;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import java.time.Duration;
import java.util.Optional;

/**
 * Stored responses in Redis: {@code djinn:response:{id}} holds the record as JSON, expiring after the configured
 * TTL, so a conversation started on one replica continues on any other.
 */
public final class RedisResponseStore implements ResponseStore {

    private final RedisCalls redis;
    private final Duration ttl;

    public RedisResponseStore(RedisCalls redis, Duration ttl) {
        this.redis = redis;
        this.ttl = ttl;
    }

    static String key(String id) {
        return "djinn:response:" + id;
    }

    @Override
    public Uni<Void> save(String id, StoredResponse response) {
        return redis.send(Command.SET, key(id), Json.write(response), "PX", Long.toString(Math.max(1, ttl.toMillis())))
                .replaceWithVoid();
    }

    @Override
    public Uni<Optional<StoredResponse>> find(String id) {
        return redis.send(Command.GET, key(id)).map(r -> {
            if (r == null) {
                return Optional.empty();
            }
            try {
                return Optional.of(Json.MAPPER.readValue(r.toString(), StoredResponse.class));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("unreadable stored response in Redis", e);
            }
        });
    }

    @Override
    public Uni<Boolean> delete(String id) {
        return redis.send(Command.DEL, key(id)).map(r -> r != null && r.toLong() > 0);
    }
}
