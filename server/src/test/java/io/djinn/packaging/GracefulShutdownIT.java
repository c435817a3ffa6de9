package io.djinn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Starts the packaged application ({@code java -jar target/quarkus-app/quarkus-run.jar}, as a container would) and
 * sends it SIGTERM while a stream runs: the stream completes (or, past the grace period, ends with an in-band error
 * and {@code [DONE]}), a new request gets an OpenAI-shaped 503 with Retry-After, and the process exits within the
 * grace period.
 */
class GracefulShutdownIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process server;
    private Path log;

    @AfterEach
    void stop() {
        if (server != null && server.isAlive()) {
            server.destroyForcibly();
        }
    }

    @Test
    void runningStreamCompletesAndNewRequestsGet503() throws Exception {
        Duration grace = Duration.ofSeconds(60);
        int port = start(grace);
        checkStartup(port);
        Stream stream = openStream(port, 24);
        assertTrue(stream.firstChunk().contains("chat.completion.chunk"), stream.firstChunk());

        long signalled = System.nanoTime();
        server.destroy(); // SIGTERM
        HttpResponse<String> refused = awaitRefusal(port);
        assertEquals(503, refused.statusCode());
        assertEquals("5", refused.headers().firstValue("Retry-After").orElse(null));
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertEquals("server_shutting_down", error.get("code").asText());
        assertEquals("server_error", error.get("type").asText());

        List<String> events = stream.rest().get(grace.toSeconds(), TimeUnit.SECONDS);
        assertEquals("[DONE]", events.getLast());
        JsonNode last = JSON.readTree(events.get(events.size() - 2));
        assertFalse(last.has("error"), "the running stream completes: " + last);
        assertEquals("length", last.get("choices").get(0).get("finish_reason").asText(), last.toString());
        assertTrue(server.waitFor(grace.toSeconds(), TimeUnit.SECONDS), "process exits within the grace period");
        assertTrue(System.nanoTime() - signalled < grace.toNanos());
    }

    @Test
    void streamStillRunningAfterTheGracePeriodEndsWithAnInBandError() throws Exception {
        Duration grace = Duration.ofSeconds(2);
        int port = start(grace);
        Stream stream = openStream(port, 3000); // far longer than the grace period
        long signalled = System.nanoTime();
        server.destroy();

        List<String> events = stream.rest().get(60, TimeUnit.SECONDS);
        assertEquals("[DONE]", events.getLast());
        JsonNode last = JSON.readTree(events.get(events.size() - 2));
        assertTrue(last.has("error"), "cut stream ends with an error event: " + last);
        assertTrue(server.waitFor(30, TimeUnit.SECONDS));
        // grace period, plus the flush wait and Quarkus' own stop
        assertTrue(System.nanoTime() - signalled < grace.plusSeconds(10).toNanos(),
                "exited " + (System.nanoTime() - signalled) / 1e9 + " s after SIGTERM");
    }

    private int start(Duration grace) throws Exception {
        assertTrue(Files.isRegularFile(JAR), "run after package: " + JAR.toAbsolutePath());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(System.getProperty("djinn.jvm.args",
                "--enable-native-access=ALL-UNNAMED -Dai.djl.offline=true").trim().split("\\s+")));
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Ddjinn.model.cache-dir=" + Path.of("target/djinn-cache").toAbsolutePath());
        cmd.add("-Ddjinn.shutdown.grace-period=" + grace.toSeconds() + "s");
        cmd.add("-jar");
        cmd.add(JAR.toString());
        log = Files.createTempFile(Path.of("target"), "graceful-shutdown-", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        server = pb.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            assertTrue(server.isAlive(), () -> "server died: " + read(log));
            try {
                if (http.send(get(port, "/health"), HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return port;
                }
            } catch (java.io.IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("not ready in 120 s: " + read(log));
    }

    /** Once ready: the model is listed, loading was logged with progress, the OpenAPI document has the schemas. */
    private void checkStartup(int port) throws Exception {
        JsonNode models = JSON.readTree(http.send(get(port, "/v1/models"), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(1, models.get("data").size(), models.toString());
        String startLog = read(log);
        assertTrue(startLog.matches("(?s).*Loading weights of \\S+: [0-9.]+ MiB of [0-9.]+ MiB \\(\\d+%\\).*"), startLog);
        assertTrue(startLog.matches("(?s).*Loaded weights of \\S+: [0-9.]+ MiB in [0-9.]+ s.*"), startLog);
        HttpResponse<String> doc = http.send(get(port, "/q/openapi?format=json"), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, doc.statusCode());
        JsonNode openapi = JSON.readTree(doc.body());
        JsonNode post = openapi.get("paths").get("/v1/chat/completions").get("post");
        assertEquals("#/components/schemas/ChatCompletionRequest",
                post.get("requestBody").get("content").get("application/json").get("schema").get("$ref").asText());
        assertTrue(post.get("responses").get("200").get("content").has("text/event-stream"));
        JsonNode schemas = openapi.get("components").get("schemas");
        for (String schema : List.of("ChatCompletionRequest", "ChatMessage", "ChatCompletion", "ChatCompletionChunk",
                "ErrorBody", "ModelList")) {
            assertTrue(schemas.has(schema), schema + " in " + schemas.fieldNames());
        }
        assertTrue(schemas.get("ChatCompletionRequest").get("properties").has("messages"));
    }

    private HttpResponse<String> awaitRefusal(int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            HttpResponse<String> r = http.send(chat(port, 4, false), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || System.nanoTime() > deadline) {
                return r;
            }
            Thread.sleep(50); // the signal is handled asynchronously
        }
    }

    private record Stream(String firstChunk, CompletableFuture<List<String>> rest) {}

    /** Opens a stream and returns once its first content chunk has arrived; the rest is read in the background. */
    private Stream openStream(int port, int maxTokens) throws Exception {
        HttpResponse<java.io.InputStream> r = http.send(chat(port, maxTokens, true),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8));
        List<String> events = new ArrayList<>();
        String first = null;
        while (first == null) {
            String line = in.readLine();
            if (line == null) {
                throw new AssertionError("stream ended early: " + events);
            }
            if (line.startsWith("data: ")) {
                events.add(line.substring(6));
                if (line.contains("\"content\"")) {
                    first = line;
                }
            }
        }
        CompletableFuture<List<String>> rest = CompletableFuture.supplyAsync(() -> {
            try (in) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (line.startsWith("data: ")) {
                        events.add(line.substring(6));
                    }
                }
                return events;
            } catch (java.io.IOException e) {
                throw new AssertionError("stream broken after " + events.size() + " events", e);
            }
        });
        return new Stream(first, rest);
    }

    private static HttpRequest get(int port, String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).timeout(Duration.ofSeconds(5))
                .build();
    }

    private static HttpRequest chat(int port, int maxTokens, boolean stream) {
        String body = """
                {"messages":[{"role":"user","content":"Tell me a story"}],"max_tokens":%d,"ignore_eos":true,\
                "temperature":0,"stream":%s}""".formatted(maxTokens, stream);
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }
}
