package io.djinn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** serve's options become configuration; anything else is refused naming it. */
class ServeOptionsTest {

    @Test
    void settingsInBothFormsBecomeConfiguration() {
        ServeOptions o = ServeOptions.parse(new String[] {"--djinn.model.path=/does/not/exist",
            "--quarkus.http.port", "8080", "--djinn.model.aliases=a,b"});
        assertEquals(Map.of("djinn.model.path", "/does/not/exist", "quarkus.http.port", "8080",
                "djinn.model.aliases", "a,b"), o.settings());
        assertFalse(o.help());
        assertTrue(ServeOptions.parse(new String[] {"--help"}).help());
    }

    @Test
    void unknownOptionsAndMissingValuesAreRefusedNamingThem() {
        var e = assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse(new String[] {"--bogus"}));
        assertTrue(e.getMessage().contains("'--bogus'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse(new String[] {"model.path=x"}));
        assertTrue(e.getMessage().contains("'model.path=x'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ServeOptions.parse(new String[] {"--djinn.model.path"}));
        assertTrue(e.getMessage().contains("'--djinn.model.path' needs a value"), e.getMessage());
    }
}
