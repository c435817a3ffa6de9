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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
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
    private final Set<Admission> admitted = ConcurrentHashMap.newKeySet();
    /** How often a waiting drain recounts, in case an end event never comes. */
    private static final long RECOUNT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
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
     * One admitted API request. It is released by its end event, or, should that event never come, found finished
     * when the count is taken: the count is of requests whose response is still open, not of events received.
     */
    public final class Admission {
        private final BooleanSupplier finished;
        private final AtomicBoolean released = new AtomicBoolean();

        private Admission(BooleanSupplier finished) {
            this.finished = finished;
        }

        /** Ends this request's admission; later calls do nothing. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                admitted.remove(this);
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }

    /**
     * Admits one API request unless the server is draining (then null). {@code finished} tells whether its response
     * has ended or its connection closed; the admission should also be {@link Admission#release() released} when
     * the response ends.
     */
    public Admission tryAdmit(BooleanSupplier finished) {
        Admission a = new Admission(finished);
        admitted.add(a);
        if (draining.get()) {
            a.release();
            return null;
        }
        return a;
    }

    public boolean draining() {
        return draining.get();
    }

    /**
     * Requests whose responses are still open. Issue 16: after load with disconnects a drain once logged "2 running"
     * with nothing in the engine and waited out its grace period: the release hung on end events alone, which reach
     * Djinn through the routing context's handlers on the response, and Quarkus' response wrapper keeps one handler
     * of each kind (Quarkus REST replaces the close handler with its own). A request whose response has ended or whose
     * connection has closed is now counted out here whatever events it missed.
     */
    public int inFlight() {
        for (Admission a : admitted) {
            if (a.finished.getAsBoolean()) {
                a.release();
            }
        }
        return admitted.size();
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
        int running = inFlight();
        LOG.infof("Shutting down: no longer admitting requests; %d running, grace period %s", running, gracePeriod);
        boolean clean = awaitDrained(gracePeriod);
        if (!clean) {
            LOG.warnf("Grace period over with %d requests still running: ending their streams", inFlight());
        }
        host.close();
        if (!clean && !awaitDrained(FLUSH_WAIT)) {
            LOG.warnf("%d responses still open after closing the model", inFlight());
        }
    }

    private boolean awaitDrained(Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        synchronized (drained) {
            while (inFlight() > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, Math.min(left, RECOUNT_NANOS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return true;
    }
}
