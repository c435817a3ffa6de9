package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.api.HealthResource;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/**
 * Until the model has loaded, readiness is DOWN and /health answers 503 in OpenAI's shape with Retry-After; once
 * shutdown has begun, both are down again and no request is admitted.
 */
class NotReadyTest {

    @Test
    void healthIsDownUntilTheModelIsLoaded() {
        ModelHost loading = new ModelHost(null, null, null); // start-up not observed yet: nothing loaded
        ServingLifecycle lifecycle = new ServingLifecycle(loading, Duration.ofSeconds(1), 5);
        assertEquals(HealthCheckResponse.Status.DOWN, new ModelReadiness(loading, lifecycle).call().getStatus());
        var response = new HealthResource(loading, lifecycle).health();
        assertEquals(503, response.getStatus());
        assertEquals("5", response.getHeaderString("Retry-After"));
        String body = (String) response.getEntity();
        assertTrue(body.contains("\"code\":\"model_not_ready\"") && body.contains("\"type\":\"server_error\""), body);
    }

    @Test
    void aFailedLoadSaysSoInsteadOfAskingForARetry() {
        ModelHost host = new ModelHost(null, null, null);
        host.loadFailed(new IllegalStateException("/models/x/config.json: no such file"));
        ServingLifecycle lifecycle = new ServingLifecycle(host, Duration.ofSeconds(1), 5);
        assertEquals(HealthCheckResponse.Status.DOWN, new ModelReadiness(host, lifecycle).call().getStatus());
        var response = new HealthResource(host, lifecycle).health();
        assertEquals(503, response.getStatus());
        assertEquals(null, response.getHeaderString("Retry-After"), "retrying does not load a broken checkpoint");
        String body = (String) response.getEntity();
        assertTrue(body.contains("\"code\":\"model_load_failed\"") && body.contains("config.json: no such file"),
                body);
    }

    @Test
    void drainingStopsAdmissionAndWaitsForRunningRequests() throws Exception {
        ModelHost host = new ModelHost(null, null, null);
        ServingLifecycle lifecycle = new ServingLifecycle(host, Duration.ofSeconds(10), 7);
        assertTrue(lifecycle.tryAdmit());
        Thread drain = Thread.ofPlatform().start(lifecycle::drain);
        while (!lifecycle.draining()) {
            Thread.onSpinWait();
        }
        assertFalse(lifecycle.tryAdmit(), "no request is admitted once draining");
        assertTrue(drain.isAlive(), "the drain waits for the running request");
        var response = new HealthResource(host, lifecycle).health();
        assertEquals(503, response.getStatus());
        assertEquals("7", response.getHeaderString("Retry-After"));
        assertTrue(((String) response.getEntity()).contains("\"code\":\"server_shutting_down\""));
        assertEquals(HealthCheckResponse.Status.DOWN, new ModelReadiness(host, lifecycle).call().getStatus());
        lifecycle.release();
        drain.join(5_000);
        assertFalse(drain.isAlive(), "the drain ends as soon as the last request has ended");
        assertEquals(0, lifecycle.inFlight());
    }
}
