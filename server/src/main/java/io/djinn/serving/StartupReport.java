package io.djinn.serving;

import io.djinn.StartupClock;
import io.quarkus.vertx.http.HttpServerStart;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.ObservesAsync;
import org.jboss.logging.Logger;

/**
 * Logs the first part of the start-up breakdown once the HTTP server listens: JVM start to {@code main}, and
 * {@code main} to HTTP up. The model loader logs the rest ("Loader timings"); {@code measure-startup.sh} reads both.
 */
@ApplicationScoped
public class StartupReport {
    private static final Logger LOG = Logger.getLogger(StartupReport.class);

    void httpUp(@ObservesAsync HttpServerStart event) {
        long now = System.currentTimeMillis();
        long main = StartupClock.mainEpochMillis();
        long process = StartupClock.processStartEpochMillis();
        if (main == 0 || process == 0) {
            return; // not started through Main (tests): nothing meaningful to say
        }
        LOG.infof("Start-up timings: JVM to main %d ms, main to HTTP up %d ms", main - process, now - main);
    }
}
