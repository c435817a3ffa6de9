package io.djinn.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The readahead reads every weight file of a checkpoint to its end, and nothing else. */
class ReadaheadTest {
    @TempDir
    Path tmp;

    @Test
    void readsEveryShardToTheEnd() throws IOException {
        Path dir = Fixtures.checkpoint(tmp.resolve("sharded"), Fixtures.config(Architecture.LLAMA), TensorDtype.F32,
                40_000);
        long expected;
        try (Stream<Path> s = Files.list(dir)) {
            expected = s.filter(p -> p.toString().endsWith(".safetensors")).mapToLong(p -> p.toFile().length()).sum();
        }
        Files.writeString(dir.resolve("notes.txt"), "not a weight file");
        assertEquals(expected, Readahead.read(dir));
        assertEquals(0, Readahead.read(tmp.resolve("missing")));
    }
}
