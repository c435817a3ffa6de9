package io.djinn.serving;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.quarkus.micrometer.runtime.binder.JVMInfoBinder;
import io.quarkus.runtime.ImageMode;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.vertx.http.HttpServerStart;
import io.quarkus.vertx.http.HttpsServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * The JVM and system meters of Quarkus' Micrometer extension, bound once HTTP is up, on a worker, instead of on
 * {@code main} before it: {@code quarkus.micrometer.binder.jvm} and {@code .system} are off (application.properties)
 * and the same binders are bound here, to the same registry (Micrometer's global composite, which holds the
 * Prometheus registry), so {@code /metrics} lists the same series; a scrape in the first moments after HTTP up may
 * lack them. Binding them loaded the JDK's management classes and registered the GC listeners on {@code main}: tiny
 * checkpoint without the AOT cache, alternating starts, "started in" about 0.2 s shorter without them.
 */
@ApplicationScoped
public class JvmMetrics {
    private static final Logger LOG = Logger.getLogger(JvmMetrics.class);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private boolean bound;
    private boolean closed;

    void httpUp(@ObservesAsync HttpServerStart event) {
        bind(Metrics.globalRegistry);
    }

    /** A server with only HTTPS enabled announces that instead. */
    void httpsUp(@ObservesAsync HttpsServerStart event) {
        bind(Metrics.globalRegistry);
    }

    /** Binds what the extension's {@code jvm} and {@code system} binders bind (in JVM mode), once. */
    synchronized void bind(MeterRegistry registry) {
        if (bound || closed) {
            return;
        }
        bound = true;
        try {
            List<MeterBinder> binders = new ArrayList<>(List.of(new ClassLoaderMetrics(), new JvmHeapPressureMetrics(),
                    new JvmMemoryMetrics(), new JvmThreadMetrics(), new JVMInfoBinder(), new UptimeMetrics(),
                    new ProcessorMetrics(), new FileDescriptorMetrics()));
            if (ImageMode.current() == ImageMode.JVM) { // as the extension: GC notifications are JVM-only
                binders.add(new JvmGcMetrics());
            }
            for (MeterBinder b : binders) {
                b.bindTo(registry);
                if (b instanceof AutoCloseable c) { // heap pressure and GC listen to notifications
                    closeables.add(c);
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("JVM and process metrics not bound: %s", e.toString());
        }
    }

    synchronized void onStop(@Observes ShutdownEvent event) {
        closed = true;
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debugf("closing %s: %s", c, e.toString());
            }
        }
        closeables.clear();
    }
}
