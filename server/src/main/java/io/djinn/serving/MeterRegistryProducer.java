package io.djinn.serving;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

/**
 * The application's one Prometheus registry, scraped at {@code /metrics}: Djinn's engine metrics, the Redis failure
 * counter, HTTP-server timings ({@link HttpServerMetrics}) and the standard JVM and process meters. Injecting
 * {@code MeterRegistry} anywhere gets this registry, so every meter registered through CDI is scraped.
 */
public class MeterRegistryProducer {

    private JvmGcMetrics gc;

    @Produces
    @Singleton
    PrometheusMeterRegistry registry() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // The JVM and process meters load java.management and its MXBeans, a tenth of main's start-up work: they
        // are bound on a helper thread, off the path to HTTP up (the registry is thread-safe).
        Thread.ofPlatform().name("djinn-jvm-meters").daemon().start(() -> bindJvmMeters(registry));
        return registry;
    }

    private synchronized void bindJvmMeters(PrometheusMeterRegistry registry) {
        if (registry.isClosed()) {
            return;
        }
        new JvmMemoryMetrics().bindTo(registry);
        gc = new JvmGcMetrics();
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    synchronized void close(@Disposes PrometheusMeterRegistry registry) {
        if (gc != null) {
            gc.close();
        }
        registry.close();
    }
}
