package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every metric README's table names is at /metrics once a request was served, and README names every djinn_ one. */
@QuarkusTest
public class MetricsApiTest {

    private static final Pattern TABLE_NAME = Pattern.compile("`([a-z][a-z0-9_]*)`");

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    /** The metric names in README's metrics table (its first column). */
    public static List<String> readmeMetrics() throws IOException {
        List<String> names = new ArrayList<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(Path.of("../README.md"))) {
            if (line.startsWith("| Metric | Type |")) {
                inTable = true;
                continue;
            }
            if (inTable && !line.startsWith("|")) {
                break;
            }
            if (inTable && !line.startsWith("|---")) {
                Matcher m = TABLE_NAME.matcher(line.split("\\|")[1]);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        assertTrue(names.size() > 15, "README's metrics table was not found: " + names);
        return names;
    }

    /**
     * The metric families in a scrape (the names of its {@code # TYPE} lines), counters under the name their samples
     * carry ({@code _total}: the Prometheus client names the family without it).
     */
    static Set<String> families(String scrape) {
        Set<String> names = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ");
                boolean counter = parts.length > 3 && parts[3].equals("counter") && !parts[2].endsWith("_total");
                names.add(counter ? parts[2] + "_total" : parts[2]);
            }
        }
        return names;
    }

    @Test
    void everyReadmeMetricIsExportedAndEveryDjinnMetricIsInReadme() throws IOException {
        given().contentType(ContentType.JSON).body("""
                {"messages":[{"role":"user","content":"Hello"}],"max_tokens":3,"temperature":0}""")
                .post("/v1/chat/completions").then().statusCode(200);
        String scrape = given().get("/metrics").then().statusCode(200).extract().asString();
        Set<String> exported = families(scrape);
        List<String> readme = readmeMetrics();
        List<String> missing = readme.stream().filter(n -> !exported.contains(n)).toList();
        assertEquals(List.of(), missing, "README names metrics that /metrics lacks; it has " + exported);
        List<String> undocumented = exported.stream().filter(n -> n.startsWith("djinn_"))
                // Micrometer exports a histogram's maximum as its own gauge family, NAME_max.
                .filter(n -> !readme.contains(n) && !(n.endsWith("_max")
                        && readme.contains(n.substring(0, n.length() - "_max".length())))).toList();
        assertEquals(List.of(), undocumented, "metrics missing from README's table");
        // The HTTP-server timer names the route template, not the raw path.
        assertTrue(scrape.contains("http_server_requests_seconds_count{method=\"POST\",outcome=\"SUCCESS\","
                + "status=\"200\",uri=\"/v1/chat/completions\"}"), scrape);
        // The one time to first token landed in its own bucket: every bound at or above its value counts it, every
        // bound below does not (a summary rounded it to whole seconds; no assumption on how fast this machine is).
        double ttft = sample(scrape, "djinn_time_to_first_token_seconds_sum");
        assertEquals(1.0, sample(scrape, "djinn_time_to_first_token_seconds_count"), scrape);
        for (String le : List.of("0.001", "0.01", "0.1", "0.25", "0.5", "1.0", "2.5", "10.0")) {
            assertEquals(Double.parseDouble(le) >= ttft ? 1.0 : 0.0,
                    bucket(scrape, "djinn_time_to_first_token_seconds", le), "le=" + le + ", value " + ttft);
        }
    }

    private static double sample(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no sample " + name);
    }

    private static double bucket(String text, String name, String le) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "_bucket{") && line.contains("le=\"" + le + "\"")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no bucket le=" + le + " of " + name);
    }
}
