package io.djinn.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.Json;
import io.djinn.redis.EmbeddedRedis;
import io.djinn.redis.RedisCalls;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Both response stores: a real embedded Redis (with the key's expiry) and the bounded memory store. */
class ResponseStoreTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private static StoredResponse response(String owner, String text) throws Exception {
        JsonNode body = Json.MAPPER.readTree("{\"id\":\"resp_1\",\"object\":\"response\",\"output\":[{\"type\":"
                + "\"message\",\"content\":[{\"type\":\"output_text\",\"text\":\"" + text + "\"}]}]}");
        JsonNode input = Json.MAPPER.readTree("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"user\"}");
        return new StoredResponse(owner, body, List.of(input), List.of(input, input));
    }

    @Test
    void redisKeepsResponsesWithTheirExpiryAndDeletesThem() throws Exception {
        Vertx vertx = Vertx.vertx();
        try (EmbeddedRedis server = new EmbeddedRedis()) {
            RedisCalls calls = new RedisCalls(Redis.createClient(vertx, new RedisOptions()
                    .setConnectionString(server.uri())), Duration.ofSeconds(2));
            ResponseStore store = new RedisResponseStore(calls, Duration.ofHours(2));
            StoredResponse saved = response("key_a", "hello");
            store.save("resp_1", saved).await().atMost(WAIT);
            assertEquals(Optional.of(saved), store.find("resp_1").await().atMost(WAIT));
            long ttl = calls.send(Command.PTTL, RedisResponseStore.key("resp_1")).await().atMost(WAIT).toLong();
            assertTrue(ttl > Duration.ofMinutes(119).toMillis() && ttl <= Duration.ofHours(2).toMillis(), "ttl " + ttl);
            assertEquals(Optional.empty(), store.find("resp_2").await().atMost(WAIT));
            assertTrue(store.delete("resp_1").await().atMost(WAIT));
            assertFalse(store.delete("resp_1").await().atMost(WAIT));
            assertEquals(Optional.empty(), store.find("resp_1").await().atMost(WAIT));
        } finally {
            vertx.closeAndAwait();
        }
    }

    @Test
    void memoryDropsTheOldestPastItsCapacityAndExpiredEntries() throws Exception {
        AtomicLong now = new AtomicLong();
        InMemoryResponseStore store = new InMemoryResponseStore(3, Duration.ofSeconds(10), now::get);
        for (int i = 0; i < 5; i++) {
            store.save("resp_" + i, response("k", "t" + i)).await().indefinitely();
        }
        assertEquals(3, store.size());
        assertTrue(store.find("resp_0").await().indefinitely().isEmpty());
        assertTrue(store.find("resp_1").await().indefinitely().isEmpty());
        assertEquals("t4", store.find("resp_4").await().indefinitely().orElseThrow().response()
                .at("/output/0/content/0/text").asText());
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertTrue(store.find("resp_4").await().indefinitely().isEmpty(), "expired");
        assertTrue(store.delete("resp_3").await().indefinitely(), "expired entries are only dropped when read");
        assertFalse(store.delete("resp_3").await().indefinitely());
    }
}
