package io.djinn.config;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One setting switches tracing on; an explicit SDK switch from the environment still wins. */
class TracingSwitchTest {

    private static boolean sdkDisabled(Map<String, String> environment) {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of(TracingSwitch.SDK_DISABLED, "true"), "app", 250))
                .withSources(new PropertiesConfigSource(environment, "env", 300))
                .withInterceptors(new TracingSwitch()).build();
        return config.getValue(TracingSwitch.SDK_DISABLED, Boolean.class);
    }

    @Test
    void offUnlessAnEndpointIsSet() {
        assertTrue(sdkDisabled(Map.of()));
        assertTrue(sdkDisabled(Map.of(TracingSwitch.ENDPOINT, " ")));
        assertFalse(sdkDisabled(Map.of(TracingSwitch.ENDPOINT, "http://collector:4318")));
    }

    @Test
    void anExplicitSwitchAboveApplicationPropertiesWins() {
        assertTrue(sdkDisabled(Map.of(TracingSwitch.ENDPOINT, "http://collector:4318",
                TracingSwitch.SDK_DISABLED, "true")));
        assertFalse(sdkDisabled(Map.of(TracingSwitch.SDK_DISABLED, "false")));
    }
}
