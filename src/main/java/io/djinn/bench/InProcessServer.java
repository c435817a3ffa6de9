package io.djinn.bench;

import io.quarkus.runtime.Quarkus;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Djinn started in the benchmark's JVM on a loopback port, on a generated (or given) checkpoint. */
final class InProcessServer implements AutoCloseable {
    private final String baseUrl;
    private final String description;
    private final BenchCheckpoint checkpoint;
    private final Thread thread;

    private InProcessServer(String baseUrl, String description, BenchCheckpoint checkpoint, Thread thread) {
        this.baseUrl = baseUrl;
        this.description = description;
        this.checkpoint = checkpoint;
        this.thread = thread;
    }

    static InProcessServer start(Map<String, String> o) throws Exception {
        BenchCheckpoint checkpoint = BenchCheckpoint.of(o, "model-dir", Map.of("preset", "smollm-135m"));
        Path dir = checkpoint.dir();
        String what = checkpoint.description();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String seqs = o.getOrDefault("max-num-seqs", "16");
        String len = o.getOrDefault("max-model-len", "2048");
        System.setProperty("djinn.model.path", dir.toString());
        System.setProperty("djinn.engine.max-num-seqs", seqs);
        System.setProperty("djinn.engine.max-model-len", len);
        System.setProperty("djinn.engine.max-waiting", o.getOrDefault("max-waiting", "1024"));
        System.setProperty("djinn.engine.queue-timeout", "10m");
        System.setProperty("quarkus.http.host", "127.0.0.1");
        System.setProperty("quarkus.http.port", String.valueOf(port));
        Thread t = Thread.ofPlatform().name("djinn-server").daemon().start(() -> Quarkus.run());
        String url = "http://127.0.0.1:" + port;
        waitReady(url);
        String desc = what + ", " + seqs + " sequences x " + len + " tokens, float32, in-process";
        return new InProcessServer(url, desc, checkpoint, t);
    }

    private static void waitReady(String url) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                if (r.body().contains("model_load_failed")) {
                    // the model failed to load: it never will, so say why now instead of after the timeout
                    throw new IllegalStateException("Djinn could not load the model: " + r.body());
                }
            } catch (java.io.IOException notYet) {
                // the HTTP server is not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Djinn did not become ready at " + url + " within 5 minutes");
    }

    String baseUrl() {
        return baseUrl;
    }

    String description() {
        return description;
    }

    @Override
    public void close() throws Exception {
        Quarkus.asyncExit();
        thread.join(Duration.ofSeconds(30));
        checkpoint.close();
    }
}
