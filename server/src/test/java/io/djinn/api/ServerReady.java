package io.djinn.api;

import static io.restassured.RestAssured.given;

/** The test server loads its model in the background; API tests wait for /health like a load balancer would. */
final class ServerReady {
    private ServerReady() {}

    static void await() {
        long deadline = System.nanoTime() + 120_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (given().get("/health").statusCode() == 200) {
                return;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("model did not become ready within 120 s");
    }
}
