package io.djinn.hub;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The server started on a repository id: it answers at once, says while it downloads (with the download's
 * progress) that the model is not ready, serves the model under the repository id once the download is in, and
 * leaves the files in the hub cache layout.
 */
@QuarkusTest
@QuarkusTestResource(value = HubServingTest.LoopbackHub.class, restrictToAnnotatedClass = true)
class HubServingTest {

    static final String REPO = "acme/tiny-hub";

    /** A Hub on loopback with a generated checkpoint whose weights are held back until the test releases them. */
    public static class LoopbackHub implements QuarkusTestResourceLifecycleManager {
        private FakeHub hub;
        private Path dir;

        @Override
        public Map<String, String> start() {
            try {
                dir = Files.createTempDirectory("djinn-hub-test");
                CheckpointGenerator.generate(CheckpointSpec.tiny(Architecture.LLAMA), dir.resolve("published"));
                hub = new FakeHub();
                hub.publish(REPO, dir.resolve("published"));
                hub.hold("model.safetensors");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("djinn.model.path", REPO, "djinn.model.hub-endpoint", hub.endpoint(),
                    "djinn.model.hub-cache", dir.resolve("hub-cache").toString(), "djinn.model.hub-offline", "false");
        }

        @Override
        public void stop() {
            if (hub != null) {
                hub.close();
            }
            try {
                if (dir != null) {
                    CheckpointGenerator.deleteRecursively(dir);
                }
            } catch (IOException ignored) {
                // a temporary folder
            }
        }
    }

    @Test
    void downloadsWhileNotReadyThenServesUnderTheRepositoryId() throws Exception {
        Response health = awaitHealth(h -> h.statusCode() == 503 && h.asString().contains("downloading"));
        health.then().statusCode(503).header("Retry-After", "5").body("error.code", equalTo("model_not_ready"))
                .body("error.message", containsString("downloading " + REPO + " from the Hugging Face Hub"))
                .body("error.message", containsString("of 5 files"));
        given().get("/q/health/ready").then().statusCode(503)
                .body("checks.find { it.name == 'model' }.data.loading", containsString("downloading " + REPO));
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"Hi"}],"max_tokens":2}""".formatted(REPO))
                .post("/v1/chat/completions").then().statusCode(503)
                .body("error.message", containsString("downloading"));

        String endpoint = ConfigProvider.getConfig().getValue("djinn.model.hub-endpoint", String.class);
        HttpResponse<Void> released = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(endpoint + "/_fake/release")).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        assertEquals(204, released.statusCode());

        awaitHealth(h -> h.statusCode() == 200).then().statusCode(200);
        given().get("/v1/models").then().statusCode(200).body("data.id", hasItem(REPO));
        given().contentType(ContentType.JSON).body("""
                {"model":"%s","messages":[{"role":"user","content":"Hi"}],"max_tokens":3,"ignore_eos":true}"""
                .formatted(REPO)).post("/v1/chat/completions").then().statusCode(200)
                .body("model", equalTo(REPO)).body("usage.completion_tokens", equalTo(3))
                .body("usage.prompt_tokens", greaterThan(0));

        Path repo = Path.of(ConfigProvider.getConfig().getValue("djinn.model.hub-cache", String.class))
                .resolve("models--acme--tiny-hub");
        String commit = Files.readString(repo.resolve("refs/main"));
        assertTrue(Files.isSymbolicLink(repo.resolve("snapshots").resolve(commit).resolve("model.safetensors")));
    }

    private static Response awaitHealth(java.util.function.Predicate<Response> done) throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        Response last = null;
        while (System.nanoTime() < deadline) {
            last = given().get("/health");
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no such /health answer within 120 s; last: " + (last == null ? null
                : last.statusCode() + " " + last.asString()));
    }
}
