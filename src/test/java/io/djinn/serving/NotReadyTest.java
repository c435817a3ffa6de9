package io.djinn.serving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.api.HealthResource;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/** Until the model has loaded, readiness is DOWN and /health answers 503 in OpenAI's shape with Retry-After. */
class NotReadyTest {

    @Test
    void healthIsDownUntilTheModelIsLoaded() {
        ModelHost loading = new ModelHost(null, null); // start-up not observed yet: nothing loaded
        assertEquals(HealthCheckResponse.Status.DOWN, new ModelReadiness(loading).call().getStatus());
        var response = new HealthResource(loading).health();
        assertEquals(503, response.getStatus());
        assertEquals("5", response.getHeaderString("Retry-After"));
        String body = (String) response.getEntity();
        assertTrue(body.contains("\"code\":\"model_not_ready\"") && body.contains("\"type\":\"server_error\""), body);
    }
}
