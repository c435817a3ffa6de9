package io.djinn.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The tools run from their own jar, as README's second command does: {@code java -jar tools/target/djinn-tools.jar},
 * its libraries (the server's classes, embedded-redis) found through the manifest's class path in {@code lib/}.
 */
class ToolsJarIT {

    private static final Path JAR = Path.of("target/djinn-tools.jar");

    @Test
    void theToolsJarRunsItsCommands() throws Exception {
        assertTrue(Files.isRegularFile(JAR), JAR.toAbsolutePath() + " missing");
        assertTrue(Files.isDirectory(Path.of("target/lib")), "target/lib missing");
        Path log = Files.createTempFile("djinn-tools", ".log");
        Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dai.djl.offline=true", "-jar", JAR.toString(), "help"))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "still running after 120 s");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        for (String command : List.of("generate-checkpoint", "bench-model", "bench-serve", "bench-structured",
                "bench-limiter")) {
            assertTrue(out.contains(command), "help does not list " + command + ":\n" + out);
        }
    }
}
