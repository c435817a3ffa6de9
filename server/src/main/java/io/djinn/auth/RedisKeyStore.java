package io.djinn.auth;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.djinn.common.Json;
import io.djinn.redis.RedisCalls;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Managed keys in Redis: {@code djinn:key:{id}} holds the record as JSON, {@code djinn:keys} the set of ids. Every
 * lookup reads Redis (no local cache), which is what makes a revocation hold on every replica from the next request.
 */
public final class RedisKeyStore implements KeyStore {

    static final String IDS = "djinn:keys";

    private final RedisCalls redis;

    public RedisKeyStore(RedisCalls redis) {
        this.redis = redis;
    }

    static String recordKey(String id) {
        return "djinn:key:" + id;
    }

    @Override
    public Uni<Optional<ApiKey>> find(String id) {
        return redis.send(Command.GET, recordKey(id)).map(r -> Optional.ofNullable(r).map(RedisKeyStore::parse));
    }

    @Override
    public Uni<Void> save(ApiKey key) {
        return redis.send(Command.SET, recordKey(key.id()), Json.write(key))
                .chain(() -> redis.send(Command.SADD, IDS, key.id())).replaceWithVoid();
    }

    @Override
    public Uni<List<ApiKey>> list() {
        return redis.send(Command.SMEMBERS, IDS).chain(ids -> {
            if (ids == null || ids.size() == 0) {
                return Uni.createFrom().item(List.<ApiKey>of());
            }
            List<String> keys = new ArrayList<>();
            ids.forEach(id -> keys.add(recordKey(id.toString())));
            return redis.send(Command.MGET, keys).map(values -> {
                List<ApiKey> out = new ArrayList<>();
                values.forEach(v -> {
                    if (v != null) {
                        out.add(parse(v));
                    }
                });
                out.sort(Comparator.comparingLong(ApiKey::createdAt).thenComparing(ApiKey::id));
                return out;
            });
        });
    }

    @Override
    public Uni<Boolean> anyKeys() {
        return redis.send(Command.SCARD, IDS).map(r -> r != null && r.toLong() > 0);
    }

    private static ApiKey parse(Response json) {
        try {
            return Json.MAPPER.readValue(json.toString(), ApiKey.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable key record in Redis", e);
        }
    }
}
