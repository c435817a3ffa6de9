package io.djinn.packaging;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The native-image configuration kept with the code names only what exists: every class it initialises at run
 * time, registers for JNI or reflection is on the classpath (so a DJL or Jinjava upgrade that renames one fails
 * here, not in a native build elsewhere), and the native-library resources it includes are in the jars. The full
 * native build inputs are produced by {@code .ci/run} (native-sources).
 */
class NativeImageConfigTest {

    private static final String DIR = "META-INF/native-image/io.djinn/djinn/";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void everyConfiguredClassExists() throws Exception {
        Properties p = new Properties();
        try (InputStream in = resource("native-image.properties")) {
            p.load(in);
        }
        String args = p.getProperty("Args");
        List<String> classes = new ArrayList<>();
        Matcher runtime = Pattern.compile("--initialize-at-run-time=(\\S+)").matcher(args);
        assertTrue(runtime.find(), args);
        classes.addAll(List.of(runtime.group(1).split(",")));
        for (String config : List.of("jni-config.json", "reflect-config.json")) {
            assertTrue(args.contains("${.}/" + config), config + " is wired in Args");
            try (InputStream in = resource(config)) {
                for (JsonNode entry : JSON.readTree(in)) {
                    classes.add(entry.get("name").asText());
                }
            }
        }
        assertFalse(classes.isEmpty());
        for (String name : classes) {
            assertDoesNotThrow(() -> Class.forName(name, false, getClass().getClassLoader()), name);
        }
    }

    @Test
    void resourcesReadAtRunTimeAreIncluded() throws Exception {
        try (InputStream in = resource("resource-config.json")) {
            JsonNode includes = JSON.readTree(in).get("resources").get("includes");
            List<String> patterns = new ArrayList<>();
            includes.forEach(i -> patterns.add(i.get("pattern").asText()));
            // the native libraries' descriptors; the OpenAPI document, Swagger UI's page template and an asset
            for (String descriptor : List.of("native/lib/tokenizers.properties", "native/lib/pytorch.properties",
                    "jnilib/pytorch.properties", "io/djinn/api/openapi.json", "io/djinn/api/openapi.yaml",
                    "template/index.html", "META-INF/resources/openapi-ui/swagger-ui-bundle.js")) {
                assertNotNull(getClass().getClassLoader().getResource(descriptor), descriptor);
                assertTrue(patterns.stream().anyMatch(descriptor::matches), descriptor + " is included");
            }
        }
    }

    private InputStream resource(String name) {
        InputStream in = getClass().getClassLoader().getResourceAsStream(DIR + name);
        assertNotNull(in, DIR + name);
        return in;
    }
}
