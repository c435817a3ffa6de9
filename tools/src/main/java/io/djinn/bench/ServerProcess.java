package io.djinn.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The packaged Djinn server ({@code server/target/quarkus-app/quarkus-run.jar}, or {@code --server-jar}) started as a
 * child process on a loopback port, on a generated (or given) checkpoint, with this JVM's java. The benchmarks are not
 * part of the server, so they drive the same artifact users run.
 */
final class ServerProcess implements AutoCloseable {
    private static final Path DEFAULT_JAR = Path.of("server/target/quarkus-app/quarkus-run.jar");

    private final String baseUrl;
    private final String description;
    private final BenchCheckpoint checkpoint;
    private final Process process;

    private ServerProcess(String baseUrl, String description, BenchCheckpoint checkpoint, Process process) {
        this.baseUrl = baseUrl;
        this.description = description;
        this.checkpoint = checkpoint;
        this.process = process;
    }

    static ServerProcess start(Map<String, String> o) throws Exception {
        Path jar = serverJar(o);
        BenchCheckpoint checkpoint = BenchCheckpoint.of(o, "model-dir", Map.of("preset", "smollm-135m"));
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String seqs = o.getOrDefault("max-num-seqs", "16");
        String len = o.getOrDefault("max-model-len", "2048");
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Ddjinn.model.path=" + checkpoint.dir(),
                "-Ddjinn.engine.max-num-seqs=" + seqs,
                "-Ddjinn.engine.max-model-len=" + len,
                "-Ddjinn.engine.max-waiting=" + o.getOrDefault("max-waiting", "1024"),
                "-Ddjinn.engine.queue-timeout=10m",
                "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port,
                "-jar", jar.toString()));
        Path log = Files.createTempFile("djinn-bench-server", ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
        String url = "http://127.0.0.1:" + port;
        try {
            waitReady(url, p, log);
        } catch (Exception e) {
            p.destroyForcibly();
            checkpoint.close();
            throw e;
        }
        String desc = checkpoint.description() + ", " + seqs + " sequences x " + len + " tokens, float32, server "
                + "process (log " + log + ")";
        return new ServerProcess(url, desc, checkpoint, p);
    }

    private static Path serverJar(Map<String, String> o) {
        Path jar = Path.of(o.getOrDefault("server-jar", DEFAULT_JAR.toString()));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalArgumentException("no server jar at " + jar.toAbsolutePath()
                    + ": run ./mvnw -B package -DskipTests first, or pass --server-jar");
        }
        return jar;
    }

    private static void waitReady(String url, Process p, Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long end = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        while (System.nanoTime() < end) {
            if (!p.isAlive()) {
                throw new IllegalStateException("the Djinn server exited with status " + p.exitValue() + "; see " + log);
            }
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
            } catch (IOException notYet) {
                // the HTTP server is not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("Djinn did not become ready at " + url + " within 5 minutes; see " + log);
    }

    String baseUrl() {
        return baseUrl;
    }

    String description() {
        return description;
    }

    @Override
    public void close() throws Exception {
        process.destroy(); // SIGTERM: the server drains and exits
        if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        checkpoint.close();
    }
}
