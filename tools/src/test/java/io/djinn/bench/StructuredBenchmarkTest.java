package io.djinn.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** bench-structured refuses a --tokens budget below the schema's shortest document, with the numbers. */
class StructuredBenchmarkTest {

    @Test
    void tooFewTokensForTheSchemaAreRefusedWithTheNumbers() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StructuredBenchmark.run(
                Map.of("preset", "tiny", "requests", "1", "tokens", "16")));
        assertTrue(e.getMessage().startsWith("--tokens 16 is too small: the schema's shortest document takes "),
                e.getMessage());
        int shortest = Integer.parseInt(e.getMessage().replaceAll(".*document takes (\\d+) tokens.*", "$1"));
        assertTrue(shortest + 1 > 16, e.getMessage());
        assertTrue(e.getMessage().endsWith("use --tokens " + (shortest + 1) + " or more."), e.getMessage());
    }
}
