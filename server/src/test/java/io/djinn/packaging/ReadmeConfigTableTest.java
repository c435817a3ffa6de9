package io.djinn.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.djinn.config.DjinnConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** README's configuration table names exactly the djinn.* settings DjinnConfig maps. */
class ReadmeConfigTableTest {

    private static final Pattern ROW = Pattern.compile("^\\| `(djinn\\.[a-z0-9.-]+)` \\|");

    @Test
    void configurationTableMatchesTheCode() throws Exception {
        Set<String> readme = new TreeSet<>();
        for (String line : Files.readAllLines(Path.of("../README.md"))) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                readme.add(m.group(1));
            }
        }
        Set<String> code = new TreeSet<>();
        K8sManifestsTest.collect("djinn", DjinnConfig.class, code);
        Set<String> undocumented = new TreeSet<>(code);
        undocumented.removeAll(readme);
        Set<String> unknown = new TreeSet<>(readme);
        unknown.removeAll(code);
        assertEquals(Set.of(), undocumented, "settings missing from README's configuration table");
        assertEquals(Set.of(), unknown, "README's configuration table names settings the code does not have");
    }
}
