package io.djinn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The packaged server (and the ./djinn launcher) as a user starts them: serve's options are honoured or refused, and a
 * model that cannot load ends the process with a non-zero status and the cause on one log line.
 */
class CommandLineIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");

    record Run(int status, String output) {}

    private static Run run(List<String> command, long timeoutSeconds) throws Exception {
        Path log = Files.createTempFile("djinn-cli", ".log");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("still running after " + timeoutSeconds + " s:\n" + Files.readString(log));
        }
        return new Run(p.exitValue(), Files.readString(log));
    }

    private static List<String> server(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(Arrays.asList(System.getProperty("djinn.jvm.args",
                "--enable-native-access=ALL-UNNAMED -Dai.djl.offline=true").trim().split("\\s+")));
        try (ServerSocket s = new ServerSocket(0)) {
            cmd.add("-Dquarkus.http.port=" + s.getLocalPort());
        }
        cmd.add("-jar");
        cmd.add(JAR.toString());
        cmd.addAll(Arrays.asList(args));
        return cmd;
    }

    /** The log lines that carry the load failure. */
    private static List<String> failureLines(String output) {
        return output.lines().filter(l -> l.contains("Model failed to load")).toList();
    }

    @Test
    void aModelPathThatDoesNotExistEndsTheProcessNamingIt() throws Exception {
        Run r = run(server("serve", "--djinn.model.path=/does/not/exist"), 120);
        assertNotEquals(0, r.status(), r.output());
        List<String> lines = failureLines(r.output());
        assertEquals(1, lines.size(), r.output());
        assertTrue(lines.getFirst().contains("/does/not/exist"), r.output());
        assertTrue(r.output().lines().noneMatch(l -> l.startsWith("\tat ")), "no stack trace:\n" + r.output());
    }

    @Test
    void cudaWithTheCpuLibtorchSaysSoInOneLine() throws Exception {
        Run r = run(server("serve", "--djinn.model.device=cuda:0"), 120);
        assertNotEquals(0, r.status(), r.output());
        List<String> lines = failureLines(r.output());
        assertEquals(1, lines.size(), r.output());
        assertTrue(lines.getFirst().contains("has no CUDA") && lines.getFirst().contains("Running on a GPU"),
                r.output());
        assertTrue(r.output().length() < 4000 && !r.output().contains("Facebook employee"), r.output());
    }

    @Test
    void unknownServeOptionsAreRefusedAndEachCommandHasItsHelp() throws Exception {
        Run bogus = run(server("serve", "--bogus"), 60);
        assertEquals(2, bogus.status(), bogus.output());
        assertTrue(bogus.output().contains("unknown option '--bogus'"), bogus.output());
        Run help = run(server("serve", "--help"), 60);
        assertEquals(0, help.status(), help.output());
        assertTrue(help.output().contains("usage: djinn serve"), help.output());
        Run gen = run(server("generate-checkpoint", "--help"), 60);
        assertEquals(0, gen.status(), gen.output());
        assertTrue(gen.output().contains("--out DIR"), gen.output());
    }

    /** README's first command: the launcher finds a Java 25 although the `java` first on PATH is older. */
    @Test
    void launcherFindsJava25WhenPathHasAnOlderJava() throws Exception {
        Path older = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(older.resolve("java")),
                "needs a Java 17 at " + older);
        ProcessBuilder pb = new ProcessBuilder("../djinn", "serve", "--help").redirectErrorStream(true);
        pb.environment().put("PATH", older + ":" + System.getenv("PATH"));
        pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("usage: djinn serve"), out);
    }
}
