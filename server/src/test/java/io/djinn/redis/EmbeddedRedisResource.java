package io.djinn.redis;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/** Starts a real Redis before the Quarkus test application and points {@code quarkus.redis.hosts} at it. */
public class EmbeddedRedisResource implements QuarkusTestResourceLifecycleManager {

    /** The running server, for tests that stop and restart it. */
    public static volatile EmbeddedRedis redis;

    private Map<String, String> extraConfig = Map.of();

    /** Resource arguments become configuration of the test application. */
    @Override
    public void init(Map<String, String> initArgs) {
        extraConfig = Map.copyOf(initArgs);
    }

    @Override
    public Map<String, String> start() {
        redis = new EmbeddedRedis();
        Map<String, String> config = new java.util.HashMap<>(extraConfig);
        config.put("quarkus.redis.hosts", redis.uri());
        return config;
    }

    @Override
    public void stop() {
        if (redis != null) {
            redis.close();
        }
    }
}
