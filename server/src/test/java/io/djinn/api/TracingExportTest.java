package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * With only {@code djinn.tracing.otlp-endpoint} set, Quarkus' OpenTelemetry SDK is on and a chat completion's spans
 * reach that collector over OTLP/HTTP ({@code POST /v1/traces}, protobuf): a real HTTP server stands in for the
 * collector and records what it is sent.
 */
@QuarkusTest
@TestProfile(TracingExportTest.WithCollector.class)
class TracingExportTest {

    /** Bodies POSTed to the collector, by path. */
    static final List<Map.Entry<String, byte[]>> RECEIVED = new CopyOnWriteArrayList<>();
    private static HttpServer collector;

    public static class WithCollector implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("djinn.tracing.otlp-endpoint", "http://127.0.0.1:" + collector().getAddress().getPort(),
                    "quarkus.otel.bsp.schedule.delay", "100ms");
        }
    }

    static synchronized HttpServer collector() {
        if (collector == null) {
            try {
                collector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            collector.createContext("/", exchange -> {
                RECEIVED.add(Map.entry(exchange.getRequestURI().getPath(), exchange.getRequestBody().readAllBytes()));
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            collector.start();
        }
        return collector;
    }

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    @Test
    void aCompletionsSpansReachTheCollector() throws Exception {
        given().contentType("application/json")
                .body("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":4,\"temperature\":0}")
                .post("/v1/chat/completions").then().statusCode(200);
        String exported = "";
        for (int i = 0; i < 100 && !(exported.contains("prefill") && exported.contains("decode")); i++) {
            Thread.sleep(100);
            StringBuilder all = new StringBuilder();
            for (var e : RECEIVED) {
                assertEquals("/v1/traces", e.getKey());
                all.append(new String(e.getValue(), StandardCharsets.ISO_8859_1));
            }
            exported = all.toString();
        }
        for (String expected : List.of("queue", "prefill", "decode", "gen_ai.request.model",
                "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons", "djinn")) {
            assertTrue(exported.contains(expected), "exported spans lack " + expected);
        }
    }
}
