package io.djinn.api;

import io.djinn.common.Json;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Four times the queue capacity at once, half streamed: every request ends with a full completion or an
 * OpenAI-shaped 503 with Retry-After, and the engine is empty afterwards. Also checks /metrics.
 */
@QuarkusTest
@TestProfile(OverloadTest.SmallQueue.class)
class OverloadTest {

    static final int QUEUE = 4;
    static final int MAX_TOKENS = 40;

    public static class SmallQueue implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("djinn.engine.max-num-seqs", "2", "djinn.engine.max-waiting", String.valueOf(QUEUE),
                    "djinn.engine.queue-timeout", "1s");
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URI endpoint;

    @BeforeEach
    void ready() {
        ServerReady.await();
    }

    private record Outcome(int status, String retryAfter, String body) {}

    @Test
    void everyRequestEndsWithACompletionOrA503WithRetryAfter() throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        int n = 4 * QUEUE;
        List<Future<Outcome>> futures = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                boolean stream = i % 2 == 0;
                String body = """
                        {"messages":[{"role":"user","content":"Request %d"}],"max_tokens":%d,"temperature":0,
                         "ignore_eos":true,"stream":%s}""".formatted(i, MAX_TOKENS, stream);
                futures.add(pool.submit(() -> {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(90))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                            HttpResponse.BodyHandlers.ofString());
                    return new Outcome(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null), r.body());
                }));
            }
            int completed = 0;
            int refused = 0;
            for (Future<Outcome> f : futures) {
                Outcome o = f.get(120, TimeUnit.SECONDS);   // none hangs
                if (o.status() == 200) {
                    completed++;
                    assertCompletion(o.body());
                } else {
                    refused++;
                    assertEquals(503, o.status(), o.body());
                    assertNotNull(o.retryAfter(), "Retry-After on a refusal");
                    assertTrue(Integer.parseInt(o.retryAfter()) >= 1);
                    JsonNode err = Json.MAPPER.readTree(o.body()).get("error");
                    assertEquals("server_overloaded", err.get("code").asText());
                    assertEquals("server_error", err.get("type").asText());
                    assertTrue(err.get("message").asText().length() > 10);
                }
            }
            assertEquals(n, completed + refused, "none is lost");
            assertTrue(completed >= 2, "the running batch and some queued requests complete");
            assertTrue(refused >= 1, "past the queue capacity requests are refused");
        }
        // memory stays bounded: afterwards nothing runs or waits
        String metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        for (int i = 0; i < 50 && !metrics.contains("djinn_num_requests_running 0.0"); i++) {
            Thread.sleep(100);   // the gauge follows the engine loop, which may still be finishing its step
            metrics = given().get("/metrics").then().statusCode(200).extract().asString();
        }
        assertTrue(metrics.contains("djinn_num_requests_running 0.0"), metrics);
        assertTrue(metrics.contains("djinn_num_requests_waiting 0.0"), metrics);
        assertTrue(metrics.matches("(?s).*djinn_request_rejected_total [1-9].*"), metrics);
        for (String name : List.of("djinn_time_to_first_token_seconds_bucket", "djinn_inter_token_latency_seconds_bucket",
                "djinn_e2e_request_latency_seconds_bucket", "djinn_request_queue_time_seconds_bucket",
                "djinn_kv_cache_usage_perc", "djinn_prompt_tokens_total", "djinn_generation_tokens_total",
                "djinn_prefix_cache_hit_tokens_total", "djinn_iteration_tokens_bucket",
                "djinn_request_success_total{finished_reason=\"length\"}")) {
            assertTrue(metrics.contains(name), name + " in\n" + metrics);
        }
    }

    @Test
    void moreChoicesThanSlotsRunInTurns() throws Exception {
        // Two slots, three choices (issue 16 item 6): the request is served, its third choice starting when one of
        // the first two ends, instead of waiting in the queue until it is refused with 503.
        String body = """
                {"messages":[{"role":"user","content":"Three choices"}],"max_tokens":12,"temperature":0,
                 "ignore_eos":true,"stream":true,"n":3}""";
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(endpoint)
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(3, r.body().lines().filter(l -> l.contains("\"finish_reason\":\"length\"")).count(), r.body());
        assertTrue(!r.body().contains("\"error\""), r.body());
        String metrics = "";
        for (int i = 0; i < 20; i++) {
            metrics = given().get("/metrics").then().statusCode(200).extract().asString();
            if (metrics.contains("djinn_num_requests_running 0.0")) {
                break;
            }
            Thread.sleep(100);
        }
        assertTrue(metrics.contains("djinn_num_requests_running 0.0"), "choices still run:\n" + metrics);
    }

    /** A JSON completion with all its tokens, or an SSE stream with content, no error, and [DONE] last. */
    private static void assertCompletion(String body) throws Exception {
        if (body.startsWith("{")) {
            JsonNode c = Json.MAPPER.readTree(body);
            assertEquals(MAX_TOKENS, c.get("usage").get("completion_tokens").asInt(), body);
            assertEquals("length", c.get("choices").get(0).get("finish_reason").asText());
            return;
        }
        assertTrue(body.startsWith("data: "), body);
        assertTrue(body.strip().endsWith("data: [DONE]"), body);
        assertTrue(!body.contains("\"error\""), body);
        assertTrue(body.contains("\"finish_reason\":\"length\""), body);
    }
}
