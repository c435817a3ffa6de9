package io.djinn.config;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import jakarta.annotation.Priority;

/**
 * Turns Quarkus' OpenTelemetry SDK on exactly when {@code djinn.tracing.otlp-endpoint} is set, so that one setting
 * switches tracing on (application.properties keeps {@code quarkus.otel.sdk.disabled=true} and points the exporter
 * at that endpoint). An explicit {@code quarkus.otel.sdk.disabled} from the environment or a system property (any
 * source above application.properties) still wins.
 */
@Priority(io.smallrye.config.Priorities.APPLICATION + 100)
public class TracingSwitch implements ConfigSourceInterceptor {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";
    static final String ENDPOINT = "djinn.tracing.otlp-endpoint";
    /** application.properties in the class path; env (300) and system properties (400) are above it. */
    private static final int APPLICATION_PROPERTIES = 250;

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (!SDK_DISABLED.equals(name)) {
            return value;
        }
        ConfigValue endpoint = context.proceed(ENDPOINT);
        boolean endpointSet = endpoint != null && endpoint.getValue() != null && !endpoint.getValue().isBlank();
        if (!endpointSet || (value != null && value.getConfigSourceOrdinal() > APPLICATION_PROPERTIES)) {
            return value;
        }
        return value == null ? ConfigValue.builder().withName(name).withValue("false").build()
                : value.withValue("false");
    }
}
