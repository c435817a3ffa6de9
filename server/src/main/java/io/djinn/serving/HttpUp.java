package io.djinn.serving;

import io.djinn.common.StartupClock;
import io.quarkus.vertx.http.HttpServerStart;
import io.quarkus.vertx.http.HttpsServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Knows when the HTTP server listens, so that the model loader loads native libraries only after that, and logs the
 * first part of the start-up breakdown then: JVM start to {@code main}, {@code main} to HTTP up (the loader logs the
 * rest, "Loader timings"; {@code measure-startup.sh} reads both).
 *
 * <p>Why the loader waits: loading a shared library holds glibc's dynamic-loader lock while its static constructors
 * run, most of a second for libtorch, and the first call of every JDK native method (resolved with {@code dlsym})
 * takes the same lock. Thread dumps of a start showed the event loops binding the HTTP port stuck first in
 * {@code jdk.net.ExtendedSocketOptions.<clinit>}, then in {@code sun.nio.ch.Net.setIntOption0}, while the loader was
 * inside {@code System.load(libtorch)}, and {@code main} parked in {@code VertxHttpRecorder.doServerStart}: priming
 * one native only moved the stall to the next.
 */
@ApplicationScoped
public class HttpUp {
    private static final Logger LOG = Logger.getLogger(HttpUp.class);
    private final CountDownLatch listening = new CountDownLatch(1);

    void httpUp(@ObservesAsync HttpServerStart event) {
        listening();
    }

    /** A server with only HTTPS enabled announces that instead. */
    void httpsUp(@ObservesAsync HttpsServerStart event) {
        listening();
    }

    private void listening() {
        if (listening.getCount() == 0) {
            return;
        }
        long now = System.currentTimeMillis();
        listening.countDown();
        long main = StartupClock.mainEpochMillis();
        long process = StartupClock.processStartEpochMillis();
        if (main != 0 && process != 0) { // else not started through Main (tests): nothing meaningful to say
            LOG.infof("Start-up timings: JVM to main %d ms, main to HTTP up %d ms", main - process, now - main);
        }
    }

    /** Waits until the HTTP server listens, at most {@code limit}; true when it does. */
    public boolean await(Duration limit) throws InterruptedException {
        return listening.await(limit.toMillis(), TimeUnit.MILLISECONDS);
    }
}
