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
        ServingLifecycle.Admission running = lifecycle.tryAdmit(() -> false);
        assertTrue(running != null);
        Thread drain = Thread.ofPlatform().start(lifecycle::drain);
        while (!lifecycle.draining()) {
            Thread.onSpinWait();
        }
        assertEquals(null, lifecycle.tryAdmit(() -> false), "no request is admitted once draining");
        assertTrue(drain.isAlive(), "the drain waits for the running request");
        var response = new HealthResource(host, lifecycle).health();
        assertEquals(503, response.getStatus());
        assertEquals("7", response.getHeaderString("Retry-After"));
        assertTrue(((String) response.getEntity()).contains("\"code\":\"server_shutting_down\""));
        assertEquals(HealthCheckResponse.Status.DOWN, new ModelReadiness(host, lifecycle).call().getStatus());
        running.release();
        drain.join(5_000);
        assertFalse(drain.isAlive(), "the drain ends as soon as the last request has ended");
        assertEquals(0, lifecycle.inFlight());
    }

    /**
     * Issue 16 item 14: a request whose end event never arrives (the event went to another handler) but whose
     * response has ended is not counted: the drain sees 0 running and completes without waiting out its grace period.
     */
    @Test
    void aFinishedRequestWhoseEndEventWasLostIsNotCounted() throws Exception {
        ModelHost host = new ModelHost(null, null, null);
        ServingLifecycle lifecycle = new ServingLifecycle(host, Duration.ofHours(1), 7);
        java.util.concurrent.atomic.AtomicBoolean[] ended = new java.util.concurrent.atomic.AtomicBoolean[3];
        for (int i = 0; i < ended.length; i++) {
            java.util.concurrent.atomic.AtomicBoolean e = new java.util.concurrent.atomic.AtomicBoolean();
            ended[i] = e;
            assertTrue(lifecycle.tryAdmit(e::get) != null);
        }
        ServingLifecycle.Admission released = lifecycle.tryAdmit(() -> false);
        assertEquals(4, lifecycle.inFlight());
        released.release();
        released.release(); // a second end event changes nothing
        assertEquals(3, lifecycle.inFlight());
        ended[0].set(true); // its response ended (or its connection closed), no event came
        assertEquals(2, lifecycle.inFlight());
        Thread drain = Thread.ofPlatform().start(lifecycle::drain);
        while (!lifecycle.draining()) {
            Thread.onSpinWait();
        }
        assertTrue(drain.isAlive(), "two responses are still open");
        ended[1].set(true);
        ended[2].set(true);
        drain.join(60_000); // the grace period is an hour: it ends only because the drain recounted and found none
        assertFalse(drain.isAlive(), "the drain ended once no response was open");
        assertEquals(0, lifecycle.inFlight());
    }
}
