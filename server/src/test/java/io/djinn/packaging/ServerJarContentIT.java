package io.djinn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * What the packaged server ({@code target/quarkus-app}, which the container images copy) carries: the server's
 * classes, and neither the benchmarks and generators' command lines (the tools module's jar) nor the embedded Redis
 * binary that only the tests and {@code bench-limiter} use.
 */
class ServerJarContentIT {

    private static final Path APP = Path.of("target/quarkus-app");

    @Test
    void noBenchmarkAndNoEmbeddedRedis() throws IOException {
        List<String> files = new ArrayList<>();
        List<String> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(APP)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String name = APP.relativize(p).toString().replace('\\', '/');
                files.add(name);
                if (name.endsWith(".jar")) {
                    try (ZipFile zip = new ZipFile(p.toFile())) {
                        zip.stream().forEach(e -> entries.add(name + "!" + e.getName()));
                    }
                }
            }
        }
        // The check is only worth something over a real package: the server's own classes must be found.
        assertTrue(entries.stream().anyMatch(e -> e.endsWith("io/djinn/serving/Generations.class")),
                "no server classes found under " + APP.toAbsolutePath());

        List<String> found = new ArrayList<>();
        for (String f : files) {
            if (f.toLowerCase(Locale.ROOT).contains("embedded-redis")) {
                found.add(f);
            }
        }
        for (String e : entries) {
            String entry = e.substring(e.indexOf('!') + 1);
            if (entry.startsWith("io/djinn/bench/") || entry.startsWith("redis/embedded/")
                    || entry.startsWith("io/djinn/") && entry.contains("Benchmark")) {
                found.add(e);
            }
        }
        Path dependencies = APP.resolve("quarkus-app-dependencies.txt");
        if (Files.exists(dependencies)) {
            for (String line : Files.readAllLines(dependencies)) {
                if (line.contains("embedded-redis") || line.contains("djinn-tools") || line.contains("archunit")) {
                    found.add("quarkus-app-dependencies.txt: " + line);
                }
            }
        }
        Collections.sort(found);
        assertEquals(List.of(), found, "the server package carries tools or test-only libraries");
    }
}
