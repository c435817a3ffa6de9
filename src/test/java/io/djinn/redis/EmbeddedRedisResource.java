package io.djinn.redis;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Starts a real Redis before the Quarkus test application and points {@code quarkus.redis.hosts} at it. */
public class EmbeddedRedisResource implements QuarkusTestResourceLifecycleManager {

    /** The running server, for tests that stop and restart it. */
    public static volatile EmbeddedRedis redis;

    @Override
    public Map<String, String> start() {
        redis = new EmbeddedRedis();
        return Map.of("quarkus.redis.hosts", redis.uri());
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
        }
    }
}
