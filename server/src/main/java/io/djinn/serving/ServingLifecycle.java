package io.djinn.serving;

import io.djinn.config.DjinnConfig;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;
import sun.misc.Signal;

/**
 * Graceful shutdown. On SIGTERM the server stops admitting: readiness goes down and the API gate answers new
 * requests with 503. Requests already admitted run on for at most {@code djinn.shutdown.grace-period}; then the
 * model is closed, which ends the streams still running with an in-band error and {@code [DONE]}, the server waits
 * a moment for those last frames to be written, and only then does Quarkus stop.
 *
 * <p>SIGTERM is taken over in the packaged application because Quarkus closes HTTP connections before its
 * ShutdownEvent observers run, which would cut running streams without a word. Other exits (SIGINT, tests, dev
 * mode) drain from the ShutdownEvent, as far as the HTTP server still allows.
 */
@ApplicationScoped
public class ServingLifecycle {

    private static final Logger LOG = Logger.getLogger(ServingLifecycle.class);
    /** Time for the final error frames of cut streams to reach their clients once the engine is closed. */
    private static final Duration FLUSH_WAIT = Duration.ofSeconds(3);

    private final ModelHost host;
    private final Duration gracePeriod;
    private final int retryAfterSeconds;
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Object drained = new Object();

    @Inject
    public ServingLifecycle(ModelHost host, DjinnConfig config) {
        this(host, config.shutdown().gracePeriod(), config.shutdown().retryAfterSeconds());
    }

    ServingLifecycle(ModelHost host, Duration gracePeriod, int retryAfterSeconds) {
        this.host = host;
        this.gracePeriod = gracePeriod;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /**
     * Admits one API request unless the server is draining; an admitted request must call {@link #release()}
     * exactly once when its response has ended (normally or not).
     */
    public boolean tryAdmit() {
        inFlight.incrementAndGet();
        if (draining.get()) {
            release();
            return false;
        }
        return true;
    }

    public void release() {
        if (inFlight.decrementAndGet() <= 0) {
            synchronized (drained) {
                drained.notifyAll();
            }
        }
    }

    public boolean draining() {
        return draining.get();
    }

    public int inFlight() {
        return inFlight.get();
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    void onStart(@Observes StartupEvent event) {
        if (LaunchMode.current() == LaunchMode.NORMAL) {
            Signal.handle(new Signal("TERM"), signal -> Thread.ofPlatform().name("djinn-drain").start(() -> {
                drain();
                Quarkus.asyncExit(0);
            }));
        }
    }

    void onShutdown(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) ShutdownEvent event) {
        drain();
    }

    /**
     * Stops admitting, waits for running requests up to the grace period, then closes the model. Only the first
     * call drains; later ones (the ShutdownEvent after a SIGTERM, a second SIGTERM) return at once.
     */
    void drain() {
        if (!draining.compareAndSet(false, true)) {
            return;
        }
        int running = inFlight.get();
        LOG.infof("Shutting down: no longer admitting requests; %d running, grace period %s", running, gracePeriod);
        boolean clean = awaitDrained(gracePeriod);
        if (!clean) {
            LOG.warnf("Grace period over with %d requests still running: ending their streams", inFlight.get());
        }
        host.close();
        if (!clean && !awaitDrained(FLUSH_WAIT)) {
            LOG.warnf("%d responses still open after closing the model", inFlight.get());
        }
    }

    private boolean awaitDrained(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (drained) {
            while (inFlight.get() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }
}
