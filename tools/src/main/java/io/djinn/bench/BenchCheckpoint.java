package io.djinn.bench;

import io.djinn.checkpoint.CheckpointGenerator;
import io.djinn.checkpoint.CheckpointOptions;
import io.djinn.checkpoint.CheckpointSpec;
import io.djinn.model.Architecture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoint a benchmark runs on: the folder the user named, or one generated from the generator's options
 * ({@code --preset}, {@code --arch}, {@code --vocab}, ...) into a temporary folder that closing deletes.
 *
 * @param dir         the checkpoint folder
 * @param description what it is, for the report
 * @param temporary   the generated folder to delete, or null
 */
record BenchCheckpoint(Path dir, String description, Path temporary) implements AutoCloseable {

    /**
     * @param pathOption the option naming an existing checkpoint ({@code model} or {@code model-dir})
     * @param defaults   generator options used unless the user gave them
     */
    static BenchCheckpoint of(Map<String, String> o, String pathOption, Map<String, String> defaults)
            throws IOException {
        if (o.containsKey(pathOption)) {
            Path dir = Path.of(o.get(pathOption));
            return new BenchCheckpoint(dir, dir.toString(), null);
        }
        Architecture arch = CheckpointOptions.architecture(o);
        Map<String, String> gen = new LinkedHashMap<>(o);
        defaults.forEach(gen::putIfAbsent);
        gen.remove("model");
        CheckpointSpec spec = CheckpointOptions.spec(gen);
        Path temporary = Files.createTempDirectory("djinn-bench");
        // A tool's System.exit can end the JVM before a caller's close runs: the hook deletes the folder then.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(temporary)));
        Path dir = temporary.resolve("model");
        System.out.printf("Generating %s %s checkpoint (vocabulary %d) into %s ...%n", gen.get("preset"),
                arch.hfName(), spec.vocabSize(), dir);
        try {
            CheckpointGenerator.generate(spec, dir);
        } catch (Exception e) {
            throw new IOException("cannot generate a checkpoint into " + dir, e);
        }
        return new BenchCheckpoint(dir, gen.get("preset") + " (" + arch.hfName() + ", generated)", temporary);
    }

    @Override
    public void close() {
        if (temporary != null) {
            deleteQuietly(temporary);
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            if (Files.exists(dir)) {
                CheckpointGenerator.deleteRecursively(dir);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }
}
